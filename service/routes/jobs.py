"""Job endpoints: submit an optimization, follow its status, fetch its portfolio."""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Body, Depends, Header, HTTPException, Path, Query, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from pitwall.documents import RunResult
from pitwall.jobs import Job, JobStatus
from pitwall.request import OptimizeRequest
from pitwall.stores.jobs import IdempotencyConflict, JobStore
from service.deps import get_dispatcher, get_jobs, get_orchestrator, get_reconciler
from service.dispatch import Dispatcher
from service.errors import clip
from service.examples import OPTIMIZE_EXAMPLES
from service.orchestrator import Orchestrator
from service.reconcile import Reconciler
from service.schemas import ErrorBody, JobList, JobView, Result, Submitted, ValidationErrorBody, links
from service.security import WRITE_RESPONSES, write_access

# FastAPI would otherwise document its own 422 body, not the one service/errors.py sends.
MAX_OFFSET = 1_000_000_000

router = APIRouter(prefix="/api/v1", tags=["jobs"], responses={422: {"model": ValidationErrorBody}})

_UNAVAILABLE = {503: {"model": ErrorBody, "description": "Redis or the Prefect server is unavailable"}}
_UNKNOWN = {404: {"model": ErrorBody, "description": "No job with this run id"}}


@router.post(
    "/optimize",
    status_code=202,
    response_model=Submitted,
    responses={409: {"model": ErrorBody}, 422: {"model": ValidationErrorBody}, **_UNAVAILABLE, **WRITE_RESPONSES},
    dependencies=[Depends(write_access)],
)
async def submit(
    body: Annotated[OptimizeRequest, Body(openapi_examples=OPTIMIZE_EXAMPLES)],
    response: Response,
    idempotency_key: Annotated[str | None, Header(
        min_length=1, max_length=128,
        description="the client's key for this submission: sent again with the same body it answers the same job "
        "(`Idempotent-Replayed: true`), with another body 409",
    )] = None,
    jobs: JobStore = Depends(get_jobs),
    orchestrator: Orchestrator = Depends(get_orchestrator),
    dispatcher: Dispatcher = Depends(get_dispatcher),
) -> Submitted:
    """Accept a job; its flow run is created right after, in the order jobs came in.

    With an `Idempotency-Key` already used, answer that job again.
    """
    # Refused before anything is stored: a 503 leaves no job behind and no key taken.
    await orchestrator.check()
    request = body.model_dump(mode="json")
    try:
        job, created = await to_thread.run_sync(lambda: jobs.create(request, idempotency_key=idempotency_key))
    except IdempotencyConflict as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    if created:
        dispatcher.enqueue(job.run_id)
    else:
        response.headers["Idempotent-Replayed"] = "true"
    return Submitted(run_id=job.run_id, status=job.status, links=links(job.run_id))


@router.get("/jobs", response_model=JobList, responses=_UNAVAILABLE)
async def list_jobs(
    status: Annotated[JobStatus | None, Query(description="only jobs in this state")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="most jobs to list")] = 50,
    # Redis takes a signed 64-bit index; no listing holds anywhere near this many jobs.
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="jobs to skip, newest first")] = 0,
    jobs: JobStore = Depends(get_jobs),
) -> JobList:
    """Jobs, newest first; `status` keeps one state, `limit` and `offset` page through them."""
    found = await to_thread.run_sync(lambda: jobs.list(status=status, limit=limit, offset=offset))
    return JobList(jobs=[JobView.of(job) for job in found])


async def _job(run_id: str, jobs: JobStore, reconciler: Reconciler) -> Job:
    job = await to_thread.run_sync(jobs.get, run_id)
    if job is None:
        raise HTTPException(status_code=404, detail=f"no job with run id {clip(run_id)!r}")
    if reconciler.due(job):
        job = await reconciler.reconcile(job)
    return job


@router.get("/jobs/{run_id}", response_model=JobView, responses={**_UNKNOWN, **_UNAVAILABLE})
@router.get("/optimize/{run_id}/status", response_model=JobView, responses={**_UNKNOWN, **_UNAVAILABLE})
async def job_status(
    run_id: Annotated[str, Path(description="the job's id, as the submission answered it")],
    jobs: JobStore = Depends(get_jobs),
    reconciler: Reconciler = Depends(get_reconciler),
) -> JobView:
    """A job's status, stage, progress, timestamps, flow run id and error; 404 for an unknown run id.

    A job that has not moved for a while is first checked against its flow run's state in Prefect.
    """
    return JobView.of(await _job(run_id, jobs, reconciler))


async def _finished(run_id: str, jobs: JobStore, reconciler: Reconciler) -> tuple[Job, RunResult] | JSONResponse:
    """The job and its result document once complete; a 202 with the job while it is still on its way."""
    job = await _job(run_id, jobs, reconciler)
    if job.status in (JobStatus.pending, JobStatus.running):
        return JSONResponse(status_code=202, content=JobView.of(job).model_dump(mode="json"))
    if job.status in (JobStatus.failed, JobStatus.cancelled):
        raise HTTPException(status_code=409, detail=f"job {job.status.value}: {job.error or 'no error recorded'}")
    result = await to_thread.run_sync(jobs.result, run_id)
    if result is None:  # complete and result are written together; only expiry separates them
        raise HTTPException(status_code=404, detail=f"the result of job {clip(run_id)!r} has expired")
    return job, RunResult.model_validate(result)


_RESULT_RESPONSES = {
    202: {"model": JobView, "description": "The job is still pending or running"},
    409: {"model": ErrorBody, "description": "The job failed or was cancelled, with its error"},
    **_UNKNOWN, **_UNAVAILABLE,
}


@router.get("/jobs/{run_id}/result", response_model=Result, responses=_RESULT_RESPONSES)
@router.get("/optimize/{run_id}/result", response_model=Result, responses=_RESULT_RESPONSES)
async def job_result(
    run_id: Annotated[str, Path(description="the job's id, as the submission answered it")],
    jobs: JobStore = Depends(get_jobs),
    reconciler: Reconciler = Depends(get_reconciler),
) -> Result | JSONResponse:
    """The portfolio of a complete job: lineups, exposures, contest metrics, solver summary, upload CSV."""
    finished = await _finished(run_id, jobs, reconciler)
    if isinstance(finished, JSONResponse):
        return finished
    job, result = finished
    return Result(run_id=run_id, status=job.status, result=result)


def _json_body(spec: dict) -> dict:
    # A "model" would be documented under the route's text/csv media type; its failures are JSON.
    model = spec["model"]
    return {"description": spec.get("description", model.__name__),
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}


@router.get(
    "/jobs/{run_id}/lineups.csv",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "DraftKings upload CSV"},
               **{code: _json_body(spec) for code, spec in {**_RESULT_RESPONSES, 422: {"model": ValidationErrorBody}}.items()}},
)
async def job_lineups_csv(
    run_id: Annotated[str, Path(description="the job's id, as the submission answered it")],
    jobs: JobStore = Depends(get_jobs),
    reconciler: Reconciler = Depends(get_reconciler),
) -> Response:
    """The portfolio as DraftKings' upload CSV (header D,D,D,D,D,D, DK ids), ready to submit."""
    finished = await _finished(run_id, jobs, reconciler)
    if isinstance(finished, JSONResponse):
        return finished
    _, result = finished
    return Response(
        content=result.upload_csv,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="pitwall-{run_id}.csv"'},
    )


@router.get(
    "/jobs/{run_id}/entries.csv",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                     "description": "The request's DraftKings entries file with every entry's six D cells filled"},
               **{code: _json_body(spec) for code, spec in {
                   **_RESULT_RESPONSES,
                   404: {"model": ErrorBody, "description": "No job with this run id, or its request had no "
                         "entries_csv"},
                   422: {"model": ValidationErrorBody}}.items()}},
)
async def job_entries_csv(
    run_id: Annotated[str, Path(description="the job's id, as the submission answered it")],
    jobs: JobStore = Depends(get_jobs),
    reconciler: Reconciler = Depends(get_reconciler),
) -> Response:
    """The request's entries file (DKEntries.csv) filled: each entry row's six D cells `Name (ID)`, as
    DraftKings writes them, every other line and cell as it was; ready to upload to DraftKings."""
    finished = await _finished(run_id, jobs, reconciler)
    if isinstance(finished, JSONResponse):
        return finished
    _, result = finished
    if result.entries_csv is None:
        raise HTTPException(status_code=404, detail=f"job {clip(run_id)!r} was not given an entries_csv; its "
                            "lineups are at lineups.csv")
    return Response(
        content=result.entries_csv,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="DKEntries-{run_id}.csv"'},
    )
