"""The submit-time checks of an optimize request that need more than one field: its entries file and its
inline slate, with the portfolio controls fitted to them. Each raises the 422 its run would otherwise end in."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pydantic import ValidationError

from pitwall.contest.errors import ContestError
from pitwall.dkentries import EntriesError, read_entries, slate_mismatch
from pitwall.ownership import ownership_percent
from pitwall.projections import read_projections
from pitwall.request.entries import entry_plans
from pitwall.request.portfolio import PortfolioConfig
from pitwall.request.slate import DRIVER_VALUE
from pitwall.request.validation import Refusals
from pitwall.rules import ROSTER_SIZE, SALARY_CAP
from pitwall.slate import Entry, Slate, SlateError, apply_aliases, read_aliases, slate_problems

if TYPE_CHECKING:
    from pitwall.request.optimize import OptimizeRequest


def refuse_entries_file_that_cannot_run(request: OptimizeRequest) -> None:
    """The entries file reads, its contests' settings fit, and the controls fit each contest's number of
    lineups: what its run would find, found now."""
    title = type(request).__name__
    refusals = Refusals()
    if request.entries_csv is None:
        if request.contests:
            refusals.add(("contests",), "contests apply to the contests of an entries_csv; give one", None)
        if request.exposure_across_contests:
            refusals.add(("exposure_across_contests",), "applies to the contests of an entries_csv; give one",
                         True)
        refusals.raise_any(title)
        return
    try:
        entries = read_entries(request.entries_csv)
    except EntriesError as error:
        for problem in error.problems:
            refusals.add(("entries_csv",), problem)
        refusals.raise_any(title)
        return
    try:
        plans = entry_plans(entries, request.contests, request.contest)
    except ContestError as error:
        refusals.add(("contests",), str(error))
        refusals.raise_any(title)
        return
    for plan in plans:
        try:
            PortfolioConfig.model_validate({**request.portfolio.model_dump(), "n_lineups": plan.n_lineups})
        except ValidationError as error:
            for e in error.errors():
                refusals.add(("portfolio", *e["loc"]), f"{plan.label()}, {plan.n_lineups} lineups: {e['msg']}")
    if request.drivers:
        aliases = read_aliases(request.aliases_csv) if request.aliases_csv else None
        strangers = slate_mismatch(entries, [(apply_aliases(d.name, aliases), d.dk_id) for d in request.drivers])
        if strangers:
            refusals.add(("entries_csv",), f"the entries file's player list lacks the DK ids of "
                         f"{len(strangers)} slate drivers ({', '.join(strangers[:5])}"
                         f"{', …' if len(strangers) > 5 else ''}): the file is of another slate")
    refusals.raise_any(title)


def refuse_inline_slate_that_cannot_run(request: OptimizeRequest) -> None:
    """An inline slate keeps the slate rules, and the controls fit it: what its run would find, found now."""
    if not request.drivers or request.race is None:
        return
    title = type(request).__name__
    refusals = Refusals()
    aliases = read_aliases(request.aliases_csv) if request.aliases_csv else None
    values = [(apply_aliases(d.name, aliases), d.dk_id, d.salary, d.start) for d in request.drivers]
    for problem in slate_problems(values, where=lambda i: f"drivers.{i}"):
        loc: tuple[str | int, ...] = ("drivers",)
        if problem.index is not None:
            loc = ("drivers", problem.index, problem.field or "name")
        refusals.add(loc, problem.message, values[problem.index][DRIVER_VALUE[problem.field]]
                     if problem.index is not None and problem.field else None)
    refusals.raise_any(title)
    # The slate the run builds (`pitwall.run.inline_slate`), and names matched as the run matches them.
    race = request.race
    slate = Slate(track=race.track, date=race.date, laps=race.laps, track_type=race.track_type,
                  series=race.series, entries=tuple(Entry(*driver) for driver in values))  # type: ignore[arg-type]
    if request.entries_csv is None:
        controls_fit(slate, request.portfolio, refusals)
    else:
        # Each contest of the entries file has its own number of lineups; the checks are made for each.
        for plan in request.entry_plans():
            found = Refusals(prefix=f"{plan.label()}, {plan.n_lineups} lineups: ")
            controls_fit(slate, request.contest_portfolio(plan), found)
            refusals.errors += found.errors
    for field, read in (("projections_csv", read_projections), ("ownership_csv", ownership_percent)):
        text = getattr(request, field)
        if text:
            try:
                read(text, slate)
            except SlateError as error:
                refusals.add((field,), "; ".join(error.problems))
    refusals.raise_any(title)


def controls_fit(slate: Slate, config: PortfolioConfig, refusals: Refusals) -> None:
    """The checks of `pitwall.portfolio.Controls.check_slate`, on the inline slate: every named driver is
    on it, locks leave a lineup under the cap, excludes leave a lineup, min_salary is reachable."""

    def find(loc: tuple[str | int, ...], name: str) -> int | None:
        try:
            return slate.index(name)
        except SlateError as error:
            refusals.add(("portfolio", *loc), error.problems[0], name)
            return None

    locks = {i for j, name in enumerate(config.locks) if (i := find(("locks", j), name)) is not None}
    excludes = {i for j, name in enumerate(config.excludes) if (i := find(("excludes", j), name)) is not None}
    for field in ("driver_max_exposure", "driver_min_exposure"):
        for name in getattr(config, field):
            find((field, name), name)
    for g, group in enumerate(config.groups):
        for j, name in enumerate(group.drivers):
            find(("groups", g, "drivers", j), name)
    if refusals.errors:
        return
    salaries = [int(s) for s in slate.salaries]
    locked = sum(salaries[i] for i in locks)
    if locked > SALARY_CAP:
        refusals.add(("portfolio", "locks"), f"the locked drivers' salaries alone come to ${locked:,}, over the "
                     f"${SALARY_CAP:,} cap", config.locks)
        return
    allowed = [i for i in range(len(salaries)) if i not in excludes]
    if len(allowed) < ROSTER_SIZE:
        refusals.add(("portfolio", "excludes"), f"excludes leave {len(allowed)} drivers, a lineup needs "
                     f"{ROSTER_SIZE}", config.excludes)
        return
    rest = sorted(salaries[i] for i in allowed if i not in locks)
    need = ROSTER_SIZE - len(locks)
    cheapest = locked + sum(rest[:need])
    richest = locked + (sum(rest[len(rest) - need:]) if need else 0)
    if cheapest > SALARY_CAP:
        refusals.add(("portfolio", "locks"), f"the locked drivers with the cheapest others cost ${cheapest:,}, "
                     f"over the ${SALARY_CAP:,} cap", config.locks)
    n = config.n_lineups
    highest = {slate.index(name): share for name, share in config.driver_max_exposure.items()}
    room = sum(
        n if i in locks and i not in highest else min(n, math.floor(highest.get(i, config.max_exposure) * n + 1e-9))
        for i in allowed
    )
    if room < ROSTER_SIZE * n:
        refusals.add(("portfolio", "max_exposure"), f"max exposure leaves room for {room} driver slots, {n} "
                     f"lineups need {ROSTER_SIZE * n}", config.max_exposure)
    if richest < config.min_salary:
        refusals.add(("portfolio", "min_salary"), f"min_salary ${config.min_salary:,} is above the richest "
                     f"possible lineup of the inline drivers, ${richest:,}", config.min_salary)
