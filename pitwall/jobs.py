"""The job: one optimization run as users and operators see it, and the rules for how its state moves."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class JobStatus(StrEnum):
    """A job's state: pending → running → complete | failed | cancelled (an operator's retry: failed → running)."""

    pending = "pending"
    running = "running"
    complete = "complete"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def finished(self) -> bool:
        return self in FINISHED


FINISHED = frozenset({JobStatus.complete, JobStatus.failed, JobStatus.cancelled})

# Which states a job may come from to reach each state. `failed -> running` is an operator's retry.
ALLOWED_FROM: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.pending: frozenset(),
    JobStatus.running: frozenset({JobStatus.pending, JobStatus.failed}),
    JobStatus.complete: frozenset({JobStatus.running}),
    JobStatus.failed: frozenset({JobStatus.pending, JobStatus.running}),
    JobStatus.cancelled: frozenset({JobStatus.pending, JobStatus.running}),
}


class Job(BaseModel):
    run_id: str
    status: JobStatus
    stage: str | None = None
    progress: float = 0.0
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    flow_run_id: str | None = None
    slate_id: str | None = None
    error: str | None = None
    request: dict[str, Any]


# Prefect state types as the job states they mean. Kept as plain strings so the domain needs no Prefect.
_RUN_STATE_TO_JOB: dict[str, JobStatus] = {
    "SCHEDULED": JobStatus.pending,
    "PENDING": JobStatus.pending,
    "RUNNING": JobStatus.running,
    "COMPLETED": JobStatus.complete,
    "FAILED": JobStatus.failed,
    "CRASHED": JobStatus.failed,
    "CANCELLING": JobStatus.cancelled,
    "CANCELLED": JobStatus.cancelled,
}


def status_for_run_state(state_type: str) -> JobStatus | None:
    """The job status a flow run's state type implies (None for states that imply nothing, e.g. PAUSED)."""
    return _RUN_STATE_TO_JOB.get(state_type.upper())
