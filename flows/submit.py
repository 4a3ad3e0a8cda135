"""How a job gets its `optimize-slate` flow run: the one path for the API and the upcoming-slates flow.

A job is written `pending` in Redis first; then its flow run is created here and recorded on the job.
The flow run is named after the job (FLOW_RUN_NAME) and the run id is its idempotency key, so creating
it twice (a retry after a timeout, two API processes, the API's sweep after the schedule's own try)
never starts a second run. If Prefect or Redis does not take it, the job simply stays pending with no
flow run: the API's reconcile sweep (service/reconcile.py) finds such jobs and dispatches them again.

This module sits beside the flows, not in service/, because a flow imports it and a flow must not
import the API; the API's Orchestrator (service/orchestrator.py) extends FlowRuns with its health
checks and state reads. No FastAPI here.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Self
from uuid import UUID

import httpx
from anyio import to_thread
from prefect.client.orchestration import PrefectClient
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_AUTH_STRING

from pitwall.settings import Settings
from pitwall.stores.jobs import JobStore

# Every optimize-slate flow run is named after its job; the flow's own decorator uses this template too.
FLOW_RUN_NAME = "optimize-{run_id}"


class OrchestratorUnavailable(Exception):
    """The Prefect server did not answer or refused; the API maps this to 503."""


class FlowRuns:
    """Creates flow runs of the optimize deployment for jobs, through the Prefect API at `api_url`."""

    def __init__(self, api_url: str, deployment: str, *, timeout: float = 10.0, auth_string: str | None = None):
        self.api_url = api_url.rstrip("/")
        self.deployment = deployment
        self.timeout = timeout
        # The client is built here, not by get_client(), so it would not pick up Prefect's own setting by itself.
        auth_string = auth_string or PREFECT_API_AUTH_STRING.value()
        # What the client sends, for the calls made without it (health and readiness).
        self.auth_headers = basic_auth(auth_string) if auth_string else {}
        self.client = PrefectClient(
            api=self.api_url, auth_string=auth_string, httpx_settings={"timeout": httpx.Timeout(timeout)}
        )
        self._deployment_id: UUID | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        auth = settings.prefect_auth_string
        return cls(
            settings.prefect_api_url, settings.deployment_name, timeout=settings.prefect_timeout_seconds,
            auth_string=auth.get_secret_value() if auth else None,
        )

    async def __aenter__(self) -> FlowRuns:
        await self.client.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.__aexit__(*exc)

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
                    name=FLOW_RUN_NAME.format(run_id=run_id),
                    idempotency_key=run_id,
                ),
                self.timeout,
            )
        except Exception as exc:  # every failure to start the run means the same thing to the caller
            if isinstance(exc, ObjectNotFound):
                self._deployment_id = None  # removed or registered anew: look it up again next time
            raise OrchestratorUnavailable(f"prefect: could not start a flow run: {describe(exc)}") from exc
        return str(flow_run.id)


async def dispatch(store: JobStore, flow_runs: FlowRuns, run_id: str) -> str:
    """One try at a pending job's flow run: create it and record it on the job; returns the flow run id.

    Raises OrchestratorUnavailable or StoreUnavailable when Prefect or Redis did not take it; the job is
    left pending either way, and trying again is harmless.
    """
    flow_run_id = await flow_runs.submit(run_id)
    await to_thread.run_sync(store.set_flow_run, run_id, flow_run_id)
    return flow_run_id


def basic_auth(auth_string: str) -> dict[str, str]:
    """The header a Prefect server with PREFECT_SERVER_API_AUTH_STRING expects: basic auth of "user:password"."""
    return {"Authorization": "Basic " + base64.b64encode(auth_string.encode("utf-8")).decode("ascii")}


def describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"[:300]
