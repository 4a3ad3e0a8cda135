"""Slate endpoints: upload a DraftKings salary CSV for a race, list and read stored slates."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from pitwall.request import MAX_DRIVERS, RequestBody
from pitwall.newcomers import describe
from pitwall.slate import (
    DK_ID_MAX,
    DK_ID_MIN,
    SALARY_MAX,
    SALARY_MIN,
    SlateError,
    load_slate,
    race_problem,
    read_aliases,
)
from pitwall.stores.graph import GraphStore, SlateSummary
from pitwall.tracks import TRACK_TYPE_NAMES, UnknownTrack
from service.deps import get_graph
from service.examples import SLATE_UPLOAD_EXAMPLES
from service.schemas import ErrorBody, ValidationErrorBody
from service.security import WRITE_RESPONSES, write_access

# FastAPI would otherwise document its own 422 body, not the one service/errors.py sends.
router = APIRouter(prefix="/api/v1/slates", tags=["slates"], responses={422: {"model": ValidationErrorBody}})

_UNAVAILABLE = {503: {"model": ErrorBody, "description": "Neo4j is unavailable"}}


class SlateUpload(RequestBody):
    """A DraftKings salary CSV and its race, to store as a slate jobs can name by `slate_id`."""

    salaries_csv: str = Field(
        min_length=1, max_length=200_000,
        description=f"DraftKings salary CSV as exported (with a Start column, or give grid_csv). At most {MAX_DRIVERS} "
        f"drivers; per row a DK ID {DK_ID_MIN} … {DK_ID_MAX}, a Salary of ${SALARY_MIN:,} … ${SALARY_MAX:,} in whole "
        "dollars (10500 or $10,500; not 1e5, 9.5k or 10500.5) and a Start of 1 … the number of drivers; no driver, "
        "ID or Start twice. Any violation is a 422 naming row, column and rule",
    )
    grid_csv: str | None = Field(default=None, max_length=50_000, description="name or DK id → starting position")
    track: str = Field(min_length=1, max_length=100, description="the track's name, e.g. Phoenix Raceway")
    date: dt.date = Field(description="race day (YYYY-MM-DD)")
    laps: int = Field(ge=1, le=2_000, strict=True, description="scheduled laps")
    track_type: str | None = Field(
        default=None, max_length=30,
        description=f"one of {', '.join(TRACK_TYPE_NAMES)}; needed only for a track pitwall does not know "
        "(another value is a 422)",
    )
    series: str = Field(default="Cup", max_length=30, description="Cup, O'Reilly or Trucks")
    aliases_csv: str | None = Field(
        default=None, max_length=50_000,
        description="CSV with columns Name (as the results spell a driver) and Alias (another spelling, e.g. DraftKings')",
    )
    strict_names: bool = Field(
        default=False, strict=True, description="refuse drivers with no result in the series instead of storing them as newcomers"
    )


class EntryView(BaseModel):
    """One driver of a stored slate."""

    name: str = Field(description="the driver, as stored (after aliases)")
    dk_id: int = Field(description="DraftKings id")
    salary: int = Field(description="salary in dollars")
    start: int = Field(description="starting position")


class SlateView(BaseModel):
    """A stored slate: its race and how many drivers it holds."""

    slate_id: str = Field(description="the slate's id: series, date, track and a hash of its content")
    series: str = Field(description="Cup, O'Reilly or Trucks")
    track: str = Field(description="the track's name")
    track_type: str | None = Field(description="the track's type: superspeedway, intermediate, short, road or dirt")
    date: dt.date = Field(description="race day")
    laps: int = Field(description="scheduled laps")
    entries: int = Field(description="drivers on the slate")
    version: int = Field(description="1 for the first slate stored for this race (series, date, track), one more "
                         "for each later one with other content")
    created_at: dt.datetime = Field(description="when this version was stored (UTC)")

    @classmethod
    def of(cls, summary: SlateSummary) -> SlateView:
        return cls(**{name: getattr(summary, name) for name in cls.model_fields})


class NewcomerView(BaseModel):
    """A driver with no result in the slate's series, who races with the newcomer prior."""

    driver: str = Field(description="the driver, as on the slate")
    reason: str = Field(description="why the driver races with the newcomer prior, and what the prior is built from")
    similar: list[str] = Field(description="known drivers with a close name: a different spelling, worth an alias")


class SlateDetail(SlateView):
    """A stored slate with its drivers."""

    drivers: list[EntryView] = Field(description="every driver: name, DK id, salary, start")
    drivers_without_history: list[NewcomerView] = Field(
        default_factory=list, description="drivers with no result in the slate's series: they race with a prior"
    )


class SlateList(BaseModel):
    """Stored slates."""

    slates: list[SlateView] = Field(description="the slates found, newest race first")


def _invalid(field: str, problems: list[str]) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={"detail": "invalid slate", "errors": [{"field": field, "message": p} for p in problems]},
    )


@router.post(
    "",
    status_code=201,
    response_model=SlateDetail,
    responses={409: {"model": ErrorBody}, 422: {"model": ValidationErrorBody}, **_UNAVAILABLE, **WRITE_RESPONSES},
    dependencies=[Depends(write_access)],
)
async def upload_slate(
    body: Annotated[SlateUpload, Body(openapi_examples=SLATE_UPLOAD_EXAMPLES)], graph: GraphStore = Depends(get_graph)
) -> SlateDetail | JSONResponse:
    """Validate a salary CSV against the drivers pitwall knows and store it; the same content gets the same id.

    Every row keeps the slate rules (`pitwall.slate.slate_problems`): DK ids 1 … 2,147,483,647, salaries
    $3,000 … $16,000 in whole dollars, starts 1 … the number of drivers, no driver, id or start twice; the
    track has a known type or `track_type` names one. Any violation is a 422 naming row, column and rule,
    and nothing is stored.

    Names are matched to the results' spelling (after the alias file, ignoring accents, case and suffixes);
    a driver with no result in the series is stored as given and listed with why, unless `strict_names`.
    """
    race = race_problem(body.track, body.date, body.track_type)
    if race is not None:  # an unknown track type, or a track the map does not know and no type for it
        field, message = race
        return _invalid(field, [message])
    series_of = await to_thread.run_sync(graph.driver_series)
    known = [name for name, series in series_of.items() if body.series in series]
    if not known:
        raise HTTPException(
            status_code=409, detail=f"the knowledge graph holds no {body.series} drivers yet: run `pitwall seed` first"
        )
    try:
        aliases = read_aliases(body.aliases_csv) if body.aliases_csv else None
    except SlateError as exc:
        return _invalid("aliases_csv", exc.problems)
    try:
        slate = load_slate(
            body.salaries_csv, track=body.track, date=body.date, laps=body.laps, grid_text=body.grid_csv,
            known_drivers=known, aliases=aliases, strict_names=body.strict_names, track_type=body.track_type,
            series=body.series,
        )
        slate.kind  # an unknown track without a track type fails here, before anything is stored
    except UnknownTrack as exc:
        return _invalid("track_type" if body.track_type else "track", [str(exc)])
    except SlateError as exc:
        return _invalid("salaries_csv", exc.problems)
    if len(slate.entries) > MAX_DRIVERS:
        return _invalid("salaries_csv", [f"at most {MAX_DRIVERS} drivers per slate, got {len(slate.entries)}"])
    slate_id = await to_thread.run_sync(graph.save_slate, slate)
    detail = await _detail(graph, slate_id)
    newcomers = describe(slate.names, slate.series, series_of, known=list(series_of))
    detail.drivers_without_history = [NewcomerView(driver=n.driver, reason=n.reason, similar=list(n.similar))
                                      for n in newcomers]
    return detail


@router.get("", response_model=SlateList, responses=_UNAVAILABLE)
async def list_slates(
    series: Annotated[str | None, Query(description="only this series: Cup, O'Reilly or Trucks")] = None,
    track: Annotated[str | None, Query(description="only this track, named as stored")] = None,
    date_from: Annotated[dt.date | None, Query(description="only races on or after this day")] = None,
    date_to: Annotated[dt.date | None, Query(description="only races on or before this day")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="most slates to list")] = 100,
    graph: GraphStore = Depends(get_graph),
) -> SlateList:
    """Stored slates, newest race first, filtered by series, track and race days (inclusive)."""
    found = await to_thread.run_sync(
        lambda: graph.list_slates(series=series, track=track, date_from=date_from, date_to=date_to, limit=limit)
    )
    return SlateList(slates=[SlateView.of(s) for s in found])


@router.get("/{slate_id}", response_model=SlateDetail, responses={404: {"model": ErrorBody}, **_UNAVAILABLE})
async def read_slate(
    slate_id: Annotated[str, Path(description="the slate's id, as the upload answered it")], graph: GraphStore = Depends(get_graph)) -> SlateDetail:
    """A stored slate with its drivers; 404 for an unknown id."""
    return await _detail(graph, slate_id)


async def _detail(graph: GraphStore, slate_id: str) -> SlateDetail:
    summary, slate = await to_thread.run_sync(lambda: (graph.get_slate_summary(slate_id), graph.get_slate(slate_id)))
    if summary is None or slate is None:
        raise HTTPException(status_code=404, detail=f"no slate with id {slate_id!r}")
    drivers = [EntryView(name=e.name, dk_id=e.dk_id, salary=e.salary, start=e.start) for e in slate.entries]
    return SlateDetail(**SlateView.of(summary).model_dump(), drivers=drivers)
