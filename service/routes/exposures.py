"""Lineage reads: which drivers the portfolios of a period leaned on."""

from __future__ import annotations

import datetime as dt

from anyio import to_thread
from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from pitwall.stores.graph import GraphStore
from service.deps import get_graph
from service.schemas import ErrorBody, ValidationErrorBody

router = APIRouter(prefix="/api/v1", tags=["lineage"])


class DriverExposureView(BaseModel):
    """One driver's share of the lineups recorded in the period."""

    driver: str = Field(description="the driver")
    exposure: float = Field(description="share of all the period's lineups holding the driver, 0 … 1")
    lineups: int = Field(description="lineups holding the driver")
    runs: int = Field(description="runs with at least one lineup holding the driver")


class Exposures(BaseModel):
    """Driver exposure across every run recorded between two days: what a player's whole week is holding."""

    start: dt.date = Field(description="first day, as asked")
    end: dt.date = Field(description="last day, inclusive, as asked")
    total_lineups: int = Field(description="lineups recorded in the period")
    drivers: list[DriverExposureView] = Field(description="each driver in at least one lineup, most lineups first")


@router.get("/exposures", response_model=Exposures, responses={422: {"model": ValidationErrorBody}, 503: {"model": ErrorBody}})
async def exposures(
    start: dt.date = Query(description="first day runs were recorded (UTC)"),
    end: dt.date = Query(description="last day, inclusive"),
    series: str | None = Query(default=None, description="only runs on slates of this series"),
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
