"""Lineage reads: which drivers the portfolios of a period leaned on."""

from __future__ import annotations

import datetime as dt

from anyio import to_thread
from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

from pitwall.stores.graph import GraphStore
from service.deps import get_graph
from service.schemas import ErrorBody, ValidationErrorBody

router = APIRouter(prefix="/api/v1", tags=["lineage"])


class DriverExposureView(BaseModel):
    driver: str
    exposure: float
    lineups: int
    runs: int


class Exposures(BaseModel):
    start: dt.date
    end: dt.date
    total_lineups: int
    drivers: list[DriverExposureView]


@router.get("/exposures", response_model=Exposures, responses={422: {"model": ValidationErrorBody}, 503: {"model": ErrorBody}})
async def exposures(
    start: dt.date = Query(description="first day runs were recorded (UTC)"),
    end: dt.date = Query(description="last day, inclusive"),
    series: str | None = None,
    graph: GraphStore = Depends(get_graph),
) -> Exposures:
    """Share of all lineups chosen by runs recorded between two days that hold each driver."""
    if end < start:
        # The same shape as every other invalid parameter: a message per field.
        raise RequestValidationError([{"loc": ("query", "end"), "msg": "must not be before start", "type": "value_error"}])
    found = await to_thread.run_sync(
        lambda: graph.driver_exposure(start, end + dt.timedelta(days=1), series=series)
    )
    return Exposures(
        start=start,
        end=end,
        total_lineups=found[0].total_lineups if found else 0,
        drivers=[DriverExposureView(driver=e.driver, exposure=round(e.exposure, 4), lineups=e.lineups, runs=e.runs)
                 for e in found],
    )
