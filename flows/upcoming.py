"""The `optimize-upcoming` flow, run on a schedule: optimize every stored slate whose race is near.

Each slate gets one job per version: the job's Idempotency-Key is the slate id, which changes when the
slate's content does (a new grid after qualifying, say). Running the schedule again starts nothing twice.
"""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.deployments import run_deployment

from pitwall.jobs import JobStatus
from pitwall.request import OptimizeRequest, PortfolioConfig, ScenarioConfig
from pitwall.settings import get_settings
from tasks.graph import upcoming_slates
from tasks.stores import STORE_RETRIES, job_store


@task(name="submit-slate", cache_policy=NO_CACHE, **STORE_RETRIES)
def submit_slate(slate_id: str, n_lineups: int, n_scenarios: int) -> str | None:
    """Create the slate's job and start its run; None when this slate version already has a job."""
    request = OptimizeRequest(
        slate_id=slate_id,
        scenario_config=ScenarioConfig(n_scenarios=n_scenarios),
        portfolio=PortfolioConfig(n_lineups=n_lineups),
    ).model_dump(mode="json")
    with job_store() as jobs:
        job, created = jobs.create(request, idempotency_key=f"upcoming:{slate_id}")
        if not created:
            return None
        try:
            flow_run = run_deployment(
                get_settings().deployment_name,
                parameters={"run_id": job.run_id},
                flow_run_name=f"optimize-{job.run_id}",
                idempotency_key=job.run_id,
                timeout=0,
                as_subflow=False,
            )
        except Exception as exc:
            jobs.transition(job.run_id, JobStatus.failed, error=f"prefect: could not start a flow run: {exc}")
            jobs.release_idempotency_key(f"upcoming:{slate_id}", job.run_id)
            raise
        jobs.set_flow_run(job.run_id, str(flow_run.id))
        return job.run_id


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
