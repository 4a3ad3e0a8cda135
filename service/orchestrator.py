"""The API's side of Prefect: trigger the optimize deployment, read a flow run's state, check readiness."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import UUID

import httpx
from prefect.client.orchestration import PrefectClient
from prefect.deployments import arun_deployment


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

    async def __aenter__(self) -> Orchestrator:
        await self.client.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.__aexit__(*exc)

    async def submit(self, run_id: str) -> str:
        """Start a flow run of the deployment for this job, named after it; returns the flow run id.

        The run id doubles as Prefect's idempotency key, so a repeated trigger never starts a second run.
        """
        try:
            # The client retries a refused connection for longer than a submitter should wait: a look at
            # /health first turns a down server into an immediate 503 that names the real cause. Only the
            # connect is short; a busy server gets the whole timeout to answer.
            async with httpx.AsyncClient(timeout=httpx.Timeout(self.timeout, connect=2.0)) as http:
                (await http.get(f"{self.api_url}/health")).raise_for_status()
        except Exception as exc:
            raise OrchestratorUnavailable(f"prefect: could not start a flow run: {_describe(exc)}") from exc
        try:
            flow_run = await asyncio.wait_for(
                arun_deployment(
                    self.deployment,
                    client=self.client,
                    parameters={"run_id": run_id},
                    flow_run_name=f"optimize-{run_id}",
                    idempotency_key=run_id,
                    timeout=0,
                    as_subflow=False,
                ),
                self.timeout,
            )
        except Exception as exc:  # every failure to start the run means the same thing to the client
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
