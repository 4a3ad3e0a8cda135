"""Slate endpoints: upload a DraftKings salary CSV for a race, list and read stored slates."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, HTTPException, Query
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
from service.schemas import ErrorBody, ValidationErrorBody
from service.security import WRITE_RESPONSES, write_access

# FastAPI would otherwise document its own 422 body, not the one service/errors.py sends.
router = APIRouter(prefix="/api/v1/slates", tags=["slates"], responses={422: {"model": ValidationErrorBody}})

_UNAVAILABLE = {503: {"model": ErrorBody, "description": "Neo4j is unavailable"}}


class SlateUpload(RequestBody):

    salaries_csv: str = Field(
        min_length=1, max_length=200_000,
        description=f"DraftKings salary CSV as exported (with a Start column, or give grid_csv). At most {MAX_DRIVERS} "
        f"drivers; per row a DK ID {DK_ID_MIN} … {DK_ID_MAX}, a Salary of ${SALARY_MIN:,} … ${SALARY_MAX:,} in whole "
        "dollars (10500 or $10,500; not 1e5, 9.5k or 10500.5) and a Start of 1 … the number of drivers; no driver, "
        "ID or Start twice. Any violation is a 422 naming row, column and rule",
    )
    grid_csv: str | None = Field(default=None, max_length=50_000, description="name or DK id → starting position")
    track: str = Field(min_length=1, max_length=100)
    date: dt.date
    laps: int = Field(ge=1, le=2_000, strict=True)
    track_type: str | None = Field(
        default=None, max_length=30,
        description=f"one of {', '.join(TRACK_TYPE_NAMES)}; needed only for a track pitwall does not know "
        "(another value is a 422)",
    )
    series: str = Field(default="Cup", max_length=30)
    aliases_csv: str | None = Field(
        default=None, max_length=50_000,
        description="CSV with columns Name (as the results spell a driver) and Alias (another spelling, e.g. DraftKings')",
    )
    strict_names: bool = Field(
        default=False, strict=True, description="refuse drivers with no result in the series instead of storing them as newcomers"
    )


class EntryView(BaseModel):
    name: str
    dk_id: int
    salary: int
    start: int


class SlateView(BaseModel):
    slate_id: str
    series: str
    track: str
    track_type: str | None
    date: dt.date
    laps: int
    entries: int
    version: int
    created_at: dt.datetime

    @classmethod
    def of(cls, summary: SlateSummary) -> SlateView:
        return cls(**{name: getattr(summary, name) for name in cls.model_fields})


class NewcomerView(BaseModel):
    driver: str
    reason: str = Field(description="why the driver races with the newcomer prior, and what the prior is built from")
    similar: list[str] = Field(description="known drivers with a close name: a different spelling, worth an alias")


class SlateDetail(SlateView):
    drivers: list[EntryView]
    drivers_without_history: list[NewcomerView] = Field(
        default_factory=list, description="drivers with no result in the slate's series: they race with a prior"
    )


class SlateList(BaseModel):
    slates: list[SlateView]


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
async def upload_slate(body: SlateUpload, graph: GraphStore = Depends(get_graph)) -> SlateDetail | JSONResponse:
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
    series: str | None = None,
    track: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    graph: GraphStore = Depends(get_graph),
) -> SlateList:
    found = await to_thread.run_sync(
        lambda: graph.list_slates(series=series, track=track, date_from=date_from, date_to=date_to, limit=limit)
    )
    return SlateList(slates=[SlateView.of(s) for s in found])


@router.get("/{slate_id}", response_model=SlateDetail, responses={404: {"model": ErrorBody}, **_UNAVAILABLE})
async def read_slate(slate_id: str, graph: GraphStore = Depends(get_graph)) -> SlateDetail:
    return await _detail(graph, slate_id)


async def _detail(graph: GraphStore, slate_id: str) -> SlateDetail:
    summary, slate = await to_thread.run_sync(lambda: (graph.get_slate_summary(slate_id), graph.get_slate(slate_id)))
    if summary is None or slate is None:
        raise HTTPException(status_code=404, detail=f"no slate with id {slate_id!r}")
    drivers = [EntryView(name=e.name, dk_id=e.dk_id, salary=e.salary, start=e.start) for e in slate.entries]
    return SlateDetail(**SlateView.of(summary).model_dump(), drivers=drivers)
