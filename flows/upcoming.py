"""The `optimize-upcoming` flow, run on a schedule: optimize every stored slate whose race is near.

Each slate gets one job per version: the job's Idempotency-Key is the slate id, which changes when the
slate's content does (a new grid after qualifying, say). Running the schedule again starts nothing twice.
A job is started the way the API starts one (flows/submit.py): written pending, then given its flow run.
If Prefect or Redis does not take the flow run, the job stays pending and the API's reconcile sweep
starts it, as it would a job whose API process died after accepting it.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.submit import FlowRuns, OrchestratorUnavailable, dispatch
from pitwall.request import OptimizeRequest, PortfolioConfig, ScenarioConfig
from pitwall.settings import get_settings
from pitwall.stores.errors import StoreUnavailable
from pitwall.stores.jobs import JobStore
from tasks.graph import upcoming_slates
from tasks.stores import STORE_RETRIES, job_store


@task(name="submit-slate", cache_policy=NO_CACHE, **STORE_RETRIES)
def submit_slate(slate_id: str, n_lineups: int, n_scenarios: int) -> str | None:
    """Create the slate's job and start its run; None when this slate version already has a job.

    Creating the job is retried through a store outage (the task's retries); its flow run is tried once,
    and a job whose run could not be created is left pending for the API's sweep, never failed.
    """
    request = OptimizeRequest(
        slate_id=slate_id,
        scenario_config=ScenarioConfig(n_scenarios=n_scenarios),
        portfolio=PortfolioConfig(n_lineups=n_lineups),
    ).model_dump(mode="json")
    with job_store() as jobs:
        job, created = jobs.create(request, idempotency_key=f"upcoming:{slate_id}")
        if not created:
            return None
        log = get_run_logger()
        try:
            flow_run_id = asyncio.run(_dispatch(jobs, job.run_id))
        except (OrchestratorUnavailable, StoreUnavailable) as exc:
            log.warning("job %s (slate %s) waits, pending, for the API to start it: %s", job.run_id, slate_id, exc)
        else:
            log.info("job %s (slate %s): flow run %s", job.run_id, slate_id, flow_run_id)
    return job.run_id


async def _dispatch(jobs: JobStore, run_id: str) -> str:
    async with FlowRuns.from_settings(get_settings()) as flow_runs:
        return await dispatch(jobs, flow_runs, run_id)


@flow(name="optimize-upcoming")
def optimize_upcoming(
    window_days: int = 2, n_lineups: int = 20, n_scenarios: int = 10_000, today: dt.date | None = None
) -> dict[str, str | None]:
    """Slates racing from `today` (UTC) through `window_days` later; returns slate id → new run id."""
    start = today or dt.datetime.now(dt.UTC).date()
    slate_ids = upcoming_slates(start, start + dt.timedelta(days=window_days))
    started = {slate_id: submit_slate(slate_id, n_lineups, n_scenarios) for slate_id in slate_ids}
    get_run_logger().info(
        "%d upcoming slates, %d new runs", len(slate_ids), sum(run is not None for run in started.values())
    )
    return started
