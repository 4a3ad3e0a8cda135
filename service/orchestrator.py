"""The API's side of Prefect: check the server can take runs, create a job's flow run, read its state."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from uuid import UUID

import httpx
from prefect.client.orchestration import PrefectClient
from prefect.exceptions import ObjectNotFound

# How long one answer about the server's health stands. A burst of submissions then costs the server one
# health check a second, and while it is down, submitters get their 503 at once instead of each waiting
# for a connect to fail.
CHECK_TTL_SECONDS = 1.0


class OrchestratorUnavailable(Exception):
    """The Prefect server did not answer or refused; the API maps this to 503."""


@dataclass(frozen=True)
class RunState:
    type: str
    message: str | None


class Orchestrator:
    def __init__(self, api_url: str, deployment: str, *, timeout: float = 10.0):
        self.api_url = api_url.rstrip("/")
        self.deployment = deployment
        self.timeout = timeout
        self.client = PrefectClient(api=self.api_url, httpx_settings={"timeout": httpx.Timeout(timeout)})
        self._deployment_id: UUID | None = None
        self._checked_at = -CHECK_TTL_SECONDS
        self._check_error: str | None = None
        self._check_lock = asyncio.Lock()

    async def __aenter__(self) -> Orchestrator:
        await self.client.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.__aexit__(*exc)

    async def check(self) -> None:
        """Raises OrchestratorUnavailable unless the server answers and the optimize deployment exists.

        Concurrent callers share one check, and its answer stands for CHECK_TTL_SECONDS.
        """
        async with self._check_lock:
            if time.monotonic() - self._checked_at >= CHECK_TTL_SECONDS:
                self._check_error = await self._check_now()
                self._checked_at = time.monotonic()
            error = self._check_error
        if error:
            raise OrchestratorUnavailable(f"prefect: cannot take flow runs: {error}")

    async def _check_now(self) -> str | None:
        try:
            # The client retries a refused connection for longer than a submitter should wait: a short
            # connect to /health turns a down server into an immediate answer that names the real cause.
            async with httpx.AsyncClient(timeout=httpx.Timeout(self.timeout, connect=2.0)) as http:
                (await http.get(f"{self.api_url}/health")).raise_for_status()
            await self._resolve_deployment()
        except Exception as exc:  # any failure here means the same thing to a submitter
            return _describe(exc)
        return None

    async def _resolve_deployment(self) -> UUID:
        if self._deployment_id is None:
            deployment = await asyncio.wait_for(self.client.read_deployment_by_name(self.deployment), self.timeout)
            self._deployment_id = deployment.id
        return self._deployment_id

    async def submit(self, run_id: str) -> str:
        """Create a flow run of the deployment for this job, named after it; returns the flow run id.

        The run id doubles as Prefect's idempotency key, so triggering a job twice (a retry after a
        timeout, two API processes) never starts a second run.
        """
        try:
            deployment_id = await self._resolve_deployment()
            flow_run = await asyncio.wait_for(
                self.client.create_flow_run_from_deployment(
                    deployment_id,
                    parameters={"run_id": run_id},
                    name=f"optimize-{run_id}",
                    idempotency_key=run_id,
                ),
                self.timeout,
            )
        except Exception as exc:  # every failure to start the run means the same thing to the caller
            if isinstance(exc, ObjectNotFound):
                self._deployment_id = None  # removed or registered anew: look it up again next time
            raise OrchestratorUnavailable(f"prefect: could not start a flow run: {_describe(exc)}") from exc
        return str(flow_run.id)

    async def run_state(self, flow_run_id: str) -> RunState:
        try:
            flow_run = await asyncio.wait_for(self.client.read_flow_run(UUID(flow_run_id)), self.timeout)
        except Exception as exc:
            raise OrchestratorUnavailable(f"prefect: could not read flow run {flow_run_id}: {_describe(exc)}") from exc
        state = flow_run.state
        return RunState(type=state.type.value if state else "PENDING", message=state.message if state else None)

    async def ready(self, timeout: float) -> None:
        """Raises unless the Prefect server answers /ready in time."""
        async with httpx.AsyncClient(timeout=timeout) as http:
            response = await http.get(f"{self.api_url}/ready")
        response.raise_for_status()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"[:300]
