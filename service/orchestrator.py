"""The API's side of Prefect: check the server can take runs, create a job's flow run, read its state.

Creating the flow run is flows/submit.py's, shared with the upcoming-slates flow; this adds what only
the API asks of Prefect.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from uuid import UUID

import httpx

from flows.submit import FlowRuns, OrchestratorUnavailable, describe

__all__ = ["CHECK_TTL_SECONDS", "Orchestrator", "OrchestratorUnavailable", "RunState"]

# How long one answer about the server's health stands. A burst of submissions then costs the server one
# health check a second, and while it is down, submitters get their 503 at once instead of each waiting
# for a connect to fail.
CHECK_TTL_SECONDS = 1.0


@dataclass(frozen=True)
class RunState:
    type: str
    message: str | None


class Orchestrator(FlowRuns):
    def __init__(self, api_url: str, deployment: str, *, timeout: float = 10.0, auth_string: str | None = None):
        super().__init__(api_url, deployment, timeout=timeout, auth_string=auth_string)
        self._checked_at = -CHECK_TTL_SECONDS
        self._check_error: str | None = None
        self._check_lock = asyncio.Lock()
        # The client retries a refused connection for longer than a submitter should wait: a short connect
        # to /health turns a down server into an immediate answer that names the real cause. One client for
        # every check: building one (its TLS context) costs more than the check itself.
        self._health = httpx.AsyncClient(timeout=httpx.Timeout(self.timeout, connect=2.0))

    async def __aenter__(self) -> Orchestrator:
        await super().__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._health.aclose()
        await super().__aexit__(*exc)

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
            (await self._health.get(f"{self.api_url}/health")).raise_for_status()
            await self._resolve_deployment()
        except Exception as exc:  # any failure here means the same thing to a submitter
            return describe(exc)
        return None

    async def run_state(self, flow_run_id: str) -> RunState:
        try:
            flow_run = await asyncio.wait_for(self.client.read_flow_run(UUID(flow_run_id)), self.timeout)
        except Exception as exc:
            raise OrchestratorUnavailable(f"prefect: could not read flow run {flow_run_id}: {describe(exc)}") from exc
        state = flow_run.state
        return RunState(type=state.type.value if state else "PENDING", message=state.message if state else None)

    async def ready(self, timeout: float) -> None:
        """Raises unless the Prefect server answers /ready in time and takes the API's credentials.

        A server behind basic auth answers /ready to anyone, so a second call, one that needs the
        credentials, makes a wrong or missing auth string show here rather than as a 503 on every submit.
        """
        async with httpx.AsyncClient(timeout=timeout, headers=self.auth_headers) as http:
            (await http.get(f"{self.api_url}/ready")).raise_for_status()
            (await http.get(f"{self.api_url}/admin/version")).raise_for_status()
