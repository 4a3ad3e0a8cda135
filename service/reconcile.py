"""Repair job records the flow's best-effort hooks left behind, from the flow run's state in Prefect."""

from __future__ import annotations

import asyncio
import logging
import time

from anyio import to_thread

from pitwall.jobs import Job, JobStatus, status_for_run_state
from pitwall.stores.errors import StoreUnavailable
from pitwall.stores.jobs import IllegalTransition, JobStore
from service.dispatch import Dispatcher
from service.orchestrator import Orchestrator, OrchestratorUnavailable

log = logging.getLogger("pitwall.reconcile")


def is_stale(job: Job, after_seconds: float) -> bool:
    return not job.status.finished and time.time() - job.updated_at.timestamp() > after_seconds


class Reconciler:
    """Checks quiet jobs against their flow runs: on reads of them, and in a periodic sweep.

    A job can be quiet for a long time for good reasons (queued behind the work pool's limit), and
    clients poll: each job is checked at most once per `after_seconds` by this process, so polling a
    backlog does not turn into a Prefect request per status read.
    """

    def __init__(self, store: JobStore, orchestrator: Orchestrator, after_seconds: float) -> None:
        self.store = store
        self.orchestrator = orchestrator
        self.after_seconds = after_seconds
        self._checked: dict[str, float] = {}  # run id → when this process last asked Prefect about it

    def due(self, job: Job) -> bool:
        last = self._checked.get(job.run_id)
        return (
            job.flow_run_id is not None
            and is_stale(job, self.after_seconds)
            and (last is None or time.monotonic() - last > self.after_seconds)
        )

    async def reconcile(self, job: Job) -> Job:
        """Bring one non-terminal job in line with its flow run; returns the job as it now stands.

        Prefect being down is not an error here: the record stays as it is until it can be checked.
        """
        self._checked[job.run_id] = time.monotonic()
        try:
            state = await self.orchestrator.run_state(job.flow_run_id)
            target = status_for_run_state(state.type)
            error = state.message if target in (JobStatus.failed, JobStatus.cancelled) else None
            if target is JobStatus.complete:
                if await to_thread.run_sync(self.store.result, job.run_id) is not None:
                    return job  # persisted; its own transition is on the way or done
                target, error = JobStatus.failed, "the flow run completed without storing a result"
            if target is None or target is job.status:
                return job
            await to_thread.run_sync(lambda: self.store.transition(job.run_id, target, error=error))
            log.info("reconciled job %s: %s -> %s", job.run_id, job.status.value, target.value)
        except (OrchestratorUnavailable, IllegalTransition) as exc:
            log.info("job %s left as %s: %s", job.run_id, job.status.value, exc)
            return job
        return await to_thread.run_sync(self.store.get, job.run_id) or job

    async def sweep(self, dispatcher: Dispatcher, *, starting: bool = False) -> int:
        """Reconcile every due pending or running job, and hand the dispatcher stale jobs that still wait
        for a flow run (their dispatch was lost with an API process); returns how many were looked at.

        At start-up every job still waiting for a flow run is taken at once: this process has dispatched
        none of them, and another live one dispatching the same job is harmless.
        """
        jobs: list[Job] = []
        for status in (JobStatus.pending, JobStatus.running):
            jobs += await to_thread.run_sync(lambda s=status: self.store.list(status=s, limit=500))
        looked = 0
        for job in jobs:
            if job.flow_run_id is None and (starting or is_stale(job, self.after_seconds)):
                dispatcher.enqueue(job.run_id)
            elif self.due(job):
                await self.reconcile(job)
            else:
                continue
            looked += 1
        horizon = time.monotonic() - self.after_seconds
        self._checked = {run_id: at for run_id, at in self._checked.items() if at > horizon}
        return looked

    async def sweep_forever(self, dispatcher: Dispatcher, interval: float) -> None:
        """Sweeps at start-up, then every `interval` seconds."""
        starting = True
        while True:
            try:
                await self.sweep(dispatcher, starting=starting)
                starting = False
            except StoreUnavailable as exc:
                log.warning("reconcile sweep skipped: %s", exc)
            except Exception:  # the sweep must outlive any one bad record
                log.exception("reconcile sweep failed")
            await asyncio.sleep(interval)
