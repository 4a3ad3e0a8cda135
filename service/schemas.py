"""What the API answers: job views and their links, shaped for clients rather than for storage."""

from __future__ import annotations

from datetime import datetime
from pydantic import BaseModel, Field

from pitwall.documents import RunResult
from pitwall.jobs import Job, JobStatus


class Links(BaseModel):
    """Where to follow a job, as paths on this API."""

    self: str = Field(description="the job: GET for its status")
    status: str = Field(description="the job's status, the same as self")
    result: str = Field(description="the job's portfolio once complete (202 before, 409 if it failed)")


class Submitted(BaseModel):
    """A job accepted: it is stored, and its flow run is created right after."""

    run_id: str = Field(description="the job's id, for every later call")
    status: JobStatus = Field(description="the job's status now: pending")
    links: Links = Field(description="where to follow the job")


class JobView(BaseModel):
    """A job as it stands: its status, stage and progress, when it moved, and why it failed if it did."""

    run_id: str = Field(description="the job's id")
    status: JobStatus = Field(description="where the job is in pending → running → complete | failed | cancelled")
    stage: str | None = Field(description="the step the run is on (e.g. calibrate, scenarios, solve, evaluate), "
                              "`done` once complete; null before it starts")
    progress: float = Field(description="share of the run done, 0 … 1")
    created_at: datetime = Field(description="when the job was accepted (UTC)")
    updated_at: datetime = Field(description="when the job last changed (UTC)")
    started_at: datetime | None = Field(description="when its run started (UTC); null while pending")
    finished_at: datetime | None = Field(description="when it reached complete, failed or cancelled (UTC)")
    flow_run_id: str | None = Field(description="the Prefect flow run doing the work; null until it is created")
    slate_id: str | None = Field(description="the stored slate it runs on; null for an inline slate")
    error: str | None = Field(description="why the job failed or was cancelled; null otherwise")
    links: Links = Field(description="where to follow the job")

    @classmethod
    def of(cls, job: Job) -> JobView:
        return cls(**job.model_dump(exclude={"request"}), links=links(job.run_id))


class JobList(BaseModel):
    """Jobs, newest first."""

    jobs: list[JobView] = Field(description="the jobs of this page, newest first")


class Result(BaseModel):
    """A finished job and its portfolio."""

    run_id: str = Field(description="The job's run id")
    status: JobStatus = Field(description="The job's status: complete")
    result: RunResult = Field(description="The run's result document")


class ErrorBody(BaseModel):
    """An error: what went wrong, in words (a dependency's failure names the dependency). Never a stack trace."""

    detail: str = Field(description="what went wrong")


class FieldError(BaseModel):
    """One problem of a request: where, and which rule it breaks."""

    field: str = Field(description="the field's path, e.g. `portfolio.locks.0`, `drivers.5.dk_id`, or a CSV's "
                       "row and column")
    message: str = Field(description="the rule broken, naming the value")


class ValidationErrorBody(BaseModel):
    """A request refused before anything was stored: every problem found, one per field."""

    detail: str = Field(description="`invalid request` or `invalid slate`")
    errors: list[FieldError] = Field(description="each problem, naming its field")


class Health(BaseModel):
    """The API process is alive (says nothing of its dependencies: see /ready)."""

    status: str = Field(description="`ok`")
    timestamp: datetime = Field(description="the server's time (UTC)")
    version: str = Field(description="pitwall's version")
    uptime_seconds: float = Field(description="seconds since this API process started")


class Dependency(BaseModel):
    """One dependency's answer to the readiness check."""

    status: str = Field(description="`up`, or `down` when it failed or did not answer in time")
    latency_ms: float = Field(description="how long the check took, in milliseconds")
    error: str | None = Field(default=None, description="what went wrong, when down")


class Readiness(BaseModel):
    """Whether the API can do its work now: each dependency's state."""

    status: str = Field(description="`ready` when every dependency is up, else `not ready` (with a 503)")
    dependencies: dict[str, Dependency] = Field(description="prefect, redis and neo4j, each with its state")


def links(run_id: str) -> Links:
    base = f"/api/v1/jobs/{run_id}"
    return Links(self=base, status=base, result=f"{base}/result")
