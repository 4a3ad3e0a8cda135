"""Repair job records the flow's best-effort hooks left behind, from the flow run's state in Prefect."""

from __future__ import annotations

import asyncio
import logging
import time

from anyio import to_thread

from pitwall.jobs import Job, JobStatus, status_for_run_state
from pitwall.stores.errors import StoreUnavailable
from pitwall.stores.jobs import IllegalTransition, JobStore
from service.orchestrator import Orchestrator, OrchestratorUnavailable

log = logging.getLogger("pitwall.reconcile")


def is_stale(job: Job, after_seconds: float) -> bool:
    return not job.status.finished and time.time() - job.updated_at.timestamp() > after_seconds


async def reconcile(job: Job, store: JobStore, orchestrator: Orchestrator) -> Job:
    """Bring one non-terminal job in line with its flow run; returns the job as it now stands.

    Prefect being down is not an error here: the record stays as it is until it can be checked.
    """
    try:
        if job.flow_run_id is None:
            # Created but never handed to Prefect (the API died in between): it would wait forever.
            target, error = JobStatus.failed, "the flow run was never started; submit the request again"
        else:
            state = await orchestrator.run_state(job.flow_run_id)
            target = status_for_run_state(state.type)
            error = state.message if target in (JobStatus.failed, JobStatus.cancelled) else None
            if target is JobStatus.complete:
                if await to_thread.run_sync(store.result, job.run_id) is not None:
                    return job  # persisted; its own transition is on the way or done
                target, error = JobStatus.failed, "the flow run completed without storing a result"
        if target is None or target is job.status:
            return job
        await to_thread.run_sync(lambda: store.transition(job.run_id, target, error=error))
        log.info("reconciled job %s: %s -> %s", job.run_id, job.status.value, target.value)
    except (OrchestratorUnavailable, IllegalTransition) as exc:
        log.info("job %s left as %s: %s", job.run_id, job.status.value, exc)
        return job
    return await to_thread.run_sync(store.get, job.run_id) or job


async def sweep(store: JobStore, orchestrator: Orchestrator, after_seconds: float) -> int:
    """Reconcile every stale pending or running job; returns how many were looked at."""
    jobs: list[Job] = []
    for status in (JobStatus.pending, JobStatus.running):
        jobs += await to_thread.run_sync(lambda s=status: store.list(status=s, limit=500))
    stale = [job for job in jobs if is_stale(job, after_seconds)]
    for job in stale:
        await reconcile(job, store, orchestrator)
    return len(stale)


async def sweep_forever(store: JobStore, orchestrator: Orchestrator, after_seconds: float, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await sweep(store, orchestrator, after_seconds)
        except StoreUnavailable as exc:
            log.warning("reconcile sweep skipped: %s", exc)
        except Exception:  # the sweep must outlive any one bad record
            log.exception("reconcile sweep failed")
