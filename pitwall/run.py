"""One optimization run in domain terms: from a validated request to the slate, the controls and the
result document users read. Pure functions, shared by the Prefect tasks and their tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from pitwall.contest import Metrics
from pitwall.portfolio import Controls, Portfolio
from pitwall.request import OptimizeRequest, PortfolioConfig
from pitwall.slate import Entry, Slate, upload_csv


def inline_slate(request: OptimizeRequest) -> Slate:
    """The slate a request carries inline (race and drivers), as opposed to one stored by id."""
    race = request.race
    if race is None or not request.drivers:
        raise ValueError("the request carries no inline slate")
    entries = tuple(Entry(name=d.name, dk_id=d.dk_id, salary=d.salary, start=d.start) for d in request.drivers)
    return Slate(track=race.track, date=race.date, laps=race.laps, entries=entries,
                 track_type=race.track_type, series=race.series)


def controls_for(slate: Slate, config: PortfolioConfig) -> Controls:
    """The portfolio controls, with drivers named by the user resolved to the slate's entries.

    A name not on the slate is an error naming the closest entries (from `Slate.index`).
    """
    return Controls(
        n_lineups=config.n_lineups,
        max_exposure=config.max_exposure,
        driver_max_exposure={slate.index(n): share for n, share in config.driver_max_exposure.items()},
        driver_min_exposure={slate.index(n): share for n, share in config.driver_min_exposure.items()},
        max_overlap=config.max_overlap,
        locks=tuple(slate.index(n) for n in config.locks),
        excludes=tuple(slate.index(n) for n in config.excludes),
        min_salary=config.min_salary,
        names=tuple(slate.names),
    )


def result_document(
    slate: Slate,
    slate_id: str | None,
    portfolio: Portfolio,
    metrics: Metrics,
    projection: np.ndarray,
    timings: dict[str, float],
) -> dict[str, Any]:
    """What a finished job answers: lineups (names, DK ids, salary), exposures, contest metrics, upload CSV."""
    lineups = []
    for lineup, lineup_metrics in zip(portfolio.lineups, metrics.summary()["lineups"]):
        entries = [slate.entries[i] for i in lineup]
        lineups.append({
            "drivers": [e.name for e in entries],
            "dk_ids": [e.dk_id for e in entries],
            "salary": int(sum(e.salary for e in entries)),
            "projection": round(float(projection[list(lineup)].sum()), 2),
            **lineup_metrics,
        })
    evaluation = metrics.summary(slate.names)
    evaluation.pop("lineups")
    return {
        "slate": {"slate_id": slate_id, "series": slate.series, "track": slate.track, "track_type": slate.kind,
                  "date": slate.date.isoformat(), "laps": slate.laps, "drivers": len(slate.entries)},
        "lineups": lineups,
        "exposures": evaluation.pop("exposures"),
        "metrics": evaluation,
        "solver": portfolio.summary(),
        "timings": {name: round(seconds, 3) for name, seconds in timings.items()},
        "upload_csv": upload_csv(slate, portfolio.lineups),
    }
