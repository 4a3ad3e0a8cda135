"""One optimization run in domain terms: from a validated request to the slate, the controls and the
result document users read. Pure functions, shared by the Prefect tasks and their tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pitwall.contest import Metrics, PayoutTable, evaluate, sample_field
from pitwall.portfolio import Controls, Portfolio, solve
from pitwall.request import OptimizeRequest, PortfolioConfig
from pitwall.newcomers import Newcomer
from pitwall.slate import Entry, Slate, apply_aliases, read_aliases, upload_csv


# Evaluation draws its scenarios and its field from a seed of its own, far from any solving seed, so the
# metrics a run reports are out of sample.
EVALUATION_SEED_OFFSET = 1_000_003
# Opponent lineups the solver plays against; each stands for an equal share of the contest's other entries.
SOLVER_FIELD_LINEUPS = 2_000


def evaluation_seed(seed: int) -> int:
    return seed + EVALUATION_SEED_OFFSET


def solve_portfolio(
    points: np.ndarray, slate: Slate, controls: Controls, payout: PayoutTable, style: str, seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> Portfolio:
    """The portfolio over `points` against a field drawn from the same projections (what opponents see)."""
    size = min(SOLVER_FIELD_LINEUPS, payout.entries - controls.n_lineups)
    field = sample_field(points.mean(axis=0), slate.salaries, size, style=style, seed=seed)
    return solve(points, slate.salaries, controls, field=field, payout=payout, seed=seed, progress=progress)


def evaluate_portfolio(
    lineups: np.ndarray, points: np.ndarray, slate: Slate, payout: PayoutTable, style: str, seed: int
) -> Metrics:
    """Contest metrics on held-out scenarios `points` (drawn from `seed`) against every opponent of the contest.

    A sampled field smaller than the contest under-states how high its best scores reach, which would
    flatter win rates, so evaluation plays the whole field.
    """
    field = sample_field(points.mean(axis=0), slate.salaries, payout.entries - len(lineups), style=style, seed=seed)
    return evaluate(np.asarray(lineups), points, field, payout, scenario_seed=seed)


def inline_slate(request: OptimizeRequest) -> Slate:
    """The slate a request carries inline (race and drivers), as opposed to one stored by id."""
    race = request.race
    if race is None or not request.drivers:
        raise ValueError("the request carries no inline slate")
    aliases = read_aliases(request.aliases_csv) if request.aliases_csv else None
    entries = tuple(
        Entry(name=apply_aliases(d.name, aliases), dk_id=d.dk_id, salary=d.salary, start=d.start) for d in request.drivers
    )
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
    newcomers: Sequence[Newcomer] = (),
) -> dict[str, Any]:
    """What a finished job answers: lineups (names, DK ids, salary), exposures, contest metrics, upload CSV,
    and the drivers that raced with the newcomer prior."""
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
        "drivers_without_history": [
            {"driver": n.driver, "reason": n.reason, "similar": list(n.similar)} for n in newcomers
        ],
        "lineups": lineups,
        "exposures": evaluation.pop("exposures"),
        "metrics": evaluation,
        "solver": portfolio.summary(),
        "timings": {name: round(seconds, 3) for name, seconds in timings.items()},
        "upload_csv": upload_csv(slate, portfolio.lineups),
    }
