# One image for pitwall's Python processes: the API, the Prefect worker, and the one-shot registration.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY pitwall ./pitwall
COPY flows ./flows
COPY tasks ./tasks
COPY service ./service
COPY deployments ./deployments
COPY prefect.yaml ./
# The solver's loops compiled into the image (numba's cache beside the installed package), so no job
# and no worker start compiles them.
RUN pip install --no-cache-dir . && python -c "from pitwall.exercise import exercise_all; exercise_all()" \
    && useradd --create-home pitwall
USER pitwall
ENV PITWALL_HOME=/app PREFECT_SERVER_ANALYTICS_ENABLED=false
EXPOSE 8000
CMD ["uvicorn", "service.app:app", "--host", "0.0.0.0", "--port", "8000"]
