"""Tasks that move the job record: start it, report its stage, persist its result."""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from pitwall.documents import RunResult
from pitwall.jobs import JobStatus
from pitwall.stores.errors import StoreUnavailable
from pitwall.stores.jobs import JobNotFound
from tasks.stores import STORE_RETRIES, job_store


@task(name="start-job", cache_policy=NO_CACHE, **STORE_RETRIES)
def start_job(run_id: str) -> dict[str, Any]:
    """Mark the job running (also after an operator's retry of a failed run) and return its request.

    Done in the flow itself, not only in the on_running hook: hooks are best effort.
    """
    with job_store() as store:
        job = store.get(run_id)
        if job is None:
            raise JobNotFound(run_id)
        if job.status is not JobStatus.running:
            store.transition(run_id, JobStatus.running, flow_run_id=flow_run.get_id())
        return job.request


def report_stage(run_id: str, stage: str, progress: float) -> None:
    """Best effort: a missed progress update must not fail the run."""
    try:
        with job_store() as store:
            store.set_progress(run_id, stage, progress)
    except StoreUnavailable as exc:
        get_run_logger().warning("stage %s of %s not recorded: %s", stage, run_id, exc)


@task(name="persist-result", cache_policy=NO_CACHE, **STORE_RETRIES)
def persist_result(run_id: str, result: RunResult) -> None:
    """Store the result document as its JSON and mark the job complete, in one step."""
    with job_store() as store:
        store.complete(run_id, result.model_dump(mode="json"))
