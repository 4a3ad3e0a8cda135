"""What the API answers: job views and their links, shaped for clients rather than for storage."""

from __future__ import annotations

from datetime import datetime
from pydantic import BaseModel, Field

from pitwall.documents import RunResult
from pitwall.jobs import Job, JobStatus


class Links(BaseModel):
    self: str
    status: str
    result: str


class Submitted(BaseModel):
    run_id: str
    status: JobStatus
    links: Links


class JobView(BaseModel):
    run_id: str
    status: JobStatus
    stage: str | None
    progress: float
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    flow_run_id: str | None
    slate_id: str | None
    error: str | None
    links: Links

    @classmethod
    def of(cls, job: Job) -> JobView:
        return cls(**job.model_dump(exclude={"request"}), links=links(job.run_id))


class JobList(BaseModel):
    jobs: list[JobView]


class Result(BaseModel):
    """A finished job and its portfolio."""

    run_id: str = Field(description="The job's run id")
    status: JobStatus = Field(description="The job's status: complete")
    result: RunResult = Field(description="The run's result document")


class ErrorBody(BaseModel):
    detail: str


class FieldError(BaseModel):
    field: str
    message: str


class ValidationErrorBody(BaseModel):
    detail: str
    errors: list[FieldError]


class Health(BaseModel):
    status: str
    timestamp: datetime
    version: str
    uptime_seconds: float


class Dependency(BaseModel):
    status: str
    latency_ms: float
    error: str | None = None


class Readiness(BaseModel):
    status: str
    dependencies: dict[str, Dependency]


def links(run_id: str) -> Links:
    base = f"/api/v1/jobs/{run_id}"
    return Links(self=base, status=base, result=f"{base}/result")
