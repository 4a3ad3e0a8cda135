"""Tasks that move the job record: start it, report its stage, persist its result."""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from pitwall.jobs import JobStatus
from pitwall.settings import get_settings
from pitwall.stores.errors import StoreUnavailable
from pitwall.stores.jobs import JobNotFound, JobStore

# Redis blips are transient: retry quickly before failing the run.
_REDIS_RETRIES = dict(retries=3, retry_delay_seconds=[1, 2, 4])


def _store() -> JobStore:
    return JobStore.from_settings(get_settings())


@task(name="start-job", cache_policy=NO_CACHE, **_REDIS_RETRIES)
def start_job(run_id: str) -> dict[str, Any]:
    """Mark the job running (also after an operator's retry of a failed run) and return its request.

    Done in the flow itself, not only in the on_running hook: hooks are best effort.
    """
    store = _store()
    try:
        job = store.get(run_id)
        if job is None:
            raise JobNotFound(run_id)
        if job.status is not JobStatus.running:
            store.transition(run_id, JobStatus.running, flow_run_id=flow_run.get_id())
        return job.request
    finally:
        store.close()


def report_stage(run_id: str, stage: str, progress: float) -> None:
    """Best effort: a missed progress update must not fail the run."""
    store = _store()
    try:
        store.set_progress(run_id, stage, progress)
    except StoreUnavailable as exc:
        get_run_logger().warning("stage %s of %s not recorded: %s", stage, run_id, exc)
    finally:
        store.close()


@task(name="persist-result", cache_policy=NO_CACHE, **_REDIS_RETRIES)
def persist_result(run_id: str, result: dict[str, Any]) -> None:
    store = _store()
    try:
        store.complete(run_id, result)
    finally:
        store.close()
