"""One optimization run in domain terms, as plain steps that own every default of a run.

The steps, in order: `calibrate_race` (a race model from a History), `apply_projections` (a
player's projections met, when given), `simulate_shard` (one shard of the
solving scenarios), `solve_slate` (the portfolio over the joined shards), `evaluate_lineups` (contest
metrics on held-out scenarios) and `build_result` (the result document, `pitwall.documents.RunResult`).
`pitwall optimize` calls them directly; each Prefect task in tasks/ wraps one of them, and the
optimize-slate flow only orders those tasks. So the command line and a job give the same portfolio for
the same slate, history, seed, scenario counts, controls and contest.

The defaults live here (or where these names say they come from) and nowhere else:
- scenarios and seed: the request's (`ScenarioConfig`), which the command line's flags default to;
- evaluation scenarios: the request's (`ContestConfig.evaluation_scenarios`);
- the evaluation seed: the run's seed + `EVALUATION_SEED_OFFSET`;
- the solver's field: `DEFAULT_FIELD_SIZE` opponent lineups (`pitwall.portfolio`), fewer in a smaller contest.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from pitwall.calibration import calibrate
from pitwall.contest import DEFAULT_STYLE, ContestError, FieldStyle, Metrics, PayoutTable, evaluate, sample_field
from pitwall.disk_cache import cached_calibration
from pitwall.dkentries import EntriesFile, fill_entries, name_and_id, slate_mismatch
from pitwall.documents import (
    ContestMetrics,
    DriverWithoutHistory,
    EntryContestResult,
    RunLineup,
    RunResult,
    RunSlate,
    SolverSummary,
)
from pitwall.history import History
from pitwall.newcomers import Newcomer
from pitwall.ownership import OWNERSHIP_STYLE, ownership_pull, read_ownership
from pitwall.portfolio import DEFAULT_FIELD_SIZE, Controls, Portfolio, PortfolioError, solve
from pitwall.portfolio.controls import Group
from pitwall.projections import fit_to_projections, read_projections
from pitwall.request import ContestConfig, ContestPlan, OptimizeRequest, PortfolioConfig, ScenarioConfig
from pitwall.simulation import RaceModel, Scenarios, simulate
from pitwall.slate import Entry, Slate, SlateError, apply_aliases, read_aliases, upload_csv

Progress = Callable[[int, int], None]

# Solving scenarios and seed when nobody says: the API's defaults.
DEFAULT_SCENARIOS: int = ScenarioConfig.model_fields["n_scenarios"].default
DEFAULT_SEED: int = ScenarioConfig.model_fields["seed"].default
# Held-out scenarios the portfolio is judged on when nobody says: the API's default.
EVALUATION_SCENARIOS: int = ContestConfig.model_fields["evaluation_scenarios"].default
# Evaluation draws its scenarios and its field from a seed of its own, far from any solving seed, so the
# metrics a run reports are out of sample.
EVALUATION_SEED_OFFSET = 1_000_003
# Shards the held-out scenarios are drawn in when someone follows the progress (same rows as one draw).
EVALUATION_STEPS = 10
# Opponent lineups the evaluation plays at most: the whole field up to this size; a larger contest's field is
# sampled at this size, each lineup standing for an equal share of the opponents (`pitwall.contest.scoring`).
EVALUATION_FIELD = 50_000


class UnknownDrivers(LookupError):
    """Drivers without history on a run that asked for strict names."""

    def __init__(self, newcomers: Sequence[Newcomer]) -> None:
        super().__init__("strict_names: no history for " + "; ".join(map(str, newcomers)))


@dataclass(frozen=True)
class Solution:
    """The solve step's answer: the portfolio, each driver's mean points over the solving scenarios (the
    projections the result document shows and a field without an ownership file is drawn from), the field it
    was solved against, and what the player's ownership file could not have as given."""

    portfolio: Portfolio
    projection: np.ndarray
    # Who the opponents are, for the evaluation to play the same kind of field: the contest's field style, or
    # the ownership style with pulls fitted to the player's ownership file.
    field_style: str | FieldStyle = DEFAULT_STYLE
    field_pull: np.ndarray | None = None
    warnings: tuple[str, ...] = ()


def evaluation_seed(seed: int) -> int:
    return seed + EVALUATION_SEED_OFFSET


# -- what a request asks, in domain terms -----------------------------------------------------------------


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


def check_entries_slate(request: OptimizeRequest, slate: Slate) -> None:
    """A request's entries file and its slate are of the same DraftKings slate: the file's player list (when
    it has one) holds every slate driver's DK id. Checked at submit for an inline slate; a stored one is read
    by the run, which fails here."""
    entries = request.entries()
    if entries is None:
        return
    strangers = slate_mismatch(entries, [(entry.name, entry.dk_id) for entry in slate.entries])
    if strangers:
        raise SlateError(f"entries_csv: the entries file's player list lacks the DK ids of {len(strangers)} slate "
                         f"drivers ({', '.join(strangers[:5])}{', …' if len(strangers) > 5 else ''}): the file is "
                         "of another slate")


def controls_for(slate: Slate, config: PortfolioConfig) -> Controls:
    """The portfolio controls, with drivers named by the user resolved to the slate's entries.

    A name not on the slate is an error naming the closest entries (from `Slate.index`); in a group rule,
    the error names the group as well.
    """
    groups = []
    for number, rule in enumerate(config.groups):
        try:
            drivers = tuple(slate.index(n) for n in rule.drivers)
        except SlateError as error:
            raise SlateError(f"group {number} ({rule.describe()}): {error}") from None
        groups.append(Group(drivers=drivers, most=rule.max, least=rule.min))
    return Controls(
        n_lineups=config.n_lineups,
        max_exposure=config.max_exposure,
        driver_max_exposure={slate.index(n): share for n, share in config.driver_max_exposure.items()},
        driver_min_exposure={slate.index(n): share for n, share in config.driver_min_exposure.items()},
        max_overlap=config.max_overlap,
        locks=tuple(slate.index(n) for n in config.locks),
        excludes=tuple(slate.index(n) for n in config.excludes),
        min_salary=config.min_salary,
        groups=tuple(groups),
        names=tuple(slate.names),
    )


def payout_for(contest: ContestConfig) -> PayoutTable:
    """The contest's payout table: its `payout` rows when it gives them (`PayoutTable.from_rows`, the rules
    the request was checked by at submit), else a typical GPP of its entries and entry fee."""
    return contest.payout_table()


# -- the steps of a run, in order -------------------------------------------------------------------------


def calibrate_race(history: History, slate: Slate, *, strict_names: bool = False, kept: bool = False) -> RaceModel:
    """Step 1: the race model for `slate` from the races in `history` before its date (`calibrate` does
    the work). With `strict_names`, drivers without history in the slate's series fail the run. With
    `kept`, the model fitted before to the same results file and slate is loaded from the user's cache
    (`pitwall.disk_cache`), and a new one is kept there."""
    model = cached_calibration(history, slate, lambda: calibrate(history, slate)) if kept else calibrate(history, slate)
    if strict_names and model.newcomers:
        raise UnknownDrivers(model.newcomers)
    return model


def apply_projections(
    model: RaceModel, slate: Slate, projections_csv: str | None, n_scenarios: int, seed: int
) -> tuple[RaceModel, tuple[str, ...]]:
    """Step 1b: with a player's projections, the model's strengths shifted so its mean DK points over the
    solving scenarios match them (`pitwall.projections`); the warnings say what could not be matched."""
    if not projections_csv:
        return model, ()
    projections = read_projections(projections_csv, slate)
    fitted, unreachable = fit_to_projections(model, projections.points, ceilings=projections.ceilings,
                                             n_scenarios=n_scenarios, seed=seed)
    missing = (f"no projection for {', '.join(projections.missing)}: the model's own numbers",) if projections.missing else ()
    return fitted, missing + unreachable


def simulate_shard(model: RaceModel, n_scenarios: int, seed: int, shard: int = 0, shards: int = 1) -> Scenarios:
    """Step 2: one shard of the solving scenarios. Its rows equal the same rows of an unsharded draw, so
    shards are computed anywhere, in any number, and give the same scenarios."""
    return simulate(model, n_scenarios, seed, shard=shard, shards=shards)


def solve_slate(
    shards: Sequence[Scenarios], slate: Slate, controls: Controls, payout: PayoutTable, style: str | FieldStyle, seed: int,
    progress: Progress | None = None, ownership_csv: str | None = None,
) -> Solution:
    """Step 3: the portfolio over the shards joined in order (shard 0 first), against a field of the contest's
    `style`, or, given the player's ownership file, one fitted to it (`pitwall.ownership`)."""
    points = Scenarios.concat(shards).points
    projection = points.mean(axis=0)
    pull, warnings = None, ()
    if ownership_csv:
        pull, warnings = ownership_pull(read_ownership(ownership_csv, slate, projection, seed), slate, seed)
        style = OWNERSHIP_STYLE
    portfolio = solve_portfolio(points, slate, controls, payout, style, seed, progress=progress, pull=pull)
    return Solution(portfolio=portfolio, projection=projection, field_style=style, field_pull=pull, warnings=warnings)


def evaluate_lineups(
    model: RaceModel, lineups: np.ndarray, slate: Slate, payout: PayoutTable, style: str | FieldStyle, seed: int,
    n_scenarios: int = EVALUATION_SCENARIOS, progress: Progress | None = None, pull: np.ndarray | None = None,
) -> Metrics:
    """Step 4: contest metrics of `lineups` on `n_scenarios` fresh scenarios and a fresh field, both drawn
    from the evaluation seed derived from the run's `seed`, so the solver never saw them (the field of the
    solver's kind: `style`, and `pull` when fitted to the player's ownership)."""
    held_out = evaluation_seed(seed)
    steps = min(EVALUATION_STEPS, n_scenarios) if progress is not None else 1
    parts = []
    for shard in range(steps):
        parts.append(simulate_shard(model, n_scenarios, held_out, shard, steps))
        if progress is not None:
            progress(shard + 1, steps + 1)
    metrics = evaluate_portfolio(np.asarray(lineups), Scenarios.concat(parts).points, slate, payout, style, held_out,
                                 pull=pull)
    if progress is not None:
        progress(steps + 1, steps + 1)
    return metrics


def build_result(
    slate: Slate,
    slate_id: str | None,
    solution: Solution,
    metrics: Metrics,
    timings: dict[str, float],
    newcomers: Sequence[Newcomer] = (),
    warnings: Sequence[str] = (),
) -> RunResult:
    """Step 5: what a finished job answers: lineups (names, DK ids, salary, projection, metrics),
    exposures, contest metrics, the solver's summary, timings, the drivers that raced with the
    newcomer prior, and the DraftKings upload CSV."""
    portfolio, projection = solution.portfolio, solution.projection
    summary = metrics.summary(slate.names)
    lineups = []
    for lineup, lineup_metrics in zip(portfolio.lineups, summary.pop("lineups")):
        entries = [slate.entries[i] for i in lineup]
        lineups.append(RunLineup(
            drivers=[e.name for e in entries],
            dk_ids=[e.dk_id for e in entries],
            salary=int(sum(e.salary for e in entries)),
            projection=round(float(projection[list(lineup)].sum()), 2),
            **lineup_metrics,
        ))
    exposures = summary.pop("exposures")
    return RunResult(
        slate=RunSlate(slate_id=slate_id, series=slate.series, track=slate.track, track_type=slate.kind,
                           date=slate.date, laps=slate.laps, drivers=len(slate.entries)),
        drivers_without_history=[
            DriverWithoutHistory(driver=n.driver, reason=n.reason, similar=list(n.similar)) for n in newcomers
        ],
        warnings=[*warnings, *solution.warnings],
        lineups=lineups,
        exposures=exposures,
        metrics=ContestMetrics.model_validate(summary),
        solver=SolverSummary.model_validate(portfolio.summary()),
        timings={name: round(seconds, 3) for name, seconds in timings.items()},
        upload_csv=upload_csv(slate, portfolio.lineups),
    )


# -- an entries file: a portfolio per contest ------------------------------------------------------------


def contest_controls(
    controls: Controls, n_lineups: int, n_drivers: int, *, across: bool = False, total: int = 0,
    earlier: Sequence[Sequence[Sequence[int]]] = (),
) -> Controls:
    """The controls of one contest of an entries file: `controls` with the contest's number of lineups.

    With `across`, the max exposures count over all `total` lineups of the file: a driver may be in
    floor(share × total) of them in all, and this contest gets what the `earlier` contests' lineups left
    (all of its lineups, if that much is left). Locked drivers are in every lineup whatever the share, and min
    exposures hold in each contest, so over the file too."""
    if not across:
        return replace(controls, n_lineups=n_lineups)
    used = np.zeros(n_drivers, dtype=np.int64)
    for lineups in earlier:
        for lineup in lineups:
            used[np.asarray(lineup, dtype=np.intp)] += 1
    own = dict(controls.driver_max_exposure)
    caps = {}
    for driver in range(len(used)):
        if driver in controls.locks or driver in controls.excludes:
            continue
        allowed = math.floor(own.get(driver, controls.max_exposure) * total + 1e-9)
        left = min(n_lineups, max(0, allowed - int(used[driver])))
        if left < n_lineups:
            caps[driver] = left / n_lineups
    return replace(controls, n_lineups=n_lineups, max_exposure=1.0, driver_max_exposure=caps)


def solve_entry_contest(
    shards: Sequence[Scenarios], slate: Slate, controls: Controls, plan: ContestPlan, seed: int, *,
    across: bool = False, total: int = 0, earlier: Sequence[Sequence[Sequence[int]]] = (),
    progress: Progress | None = None, ownership_csv: str | None = None,
) -> Solution:
    """Step 3 for one contest of an entries file: a portfolio of a lineup per entry row (distinct lineups),
    in the plan's contest, under `contest_controls`. A conflict names the contest."""
    try:
        sized = contest_controls(controls, plan.n_lineups, len(slate.entries), across=across, total=total,
                                 earlier=earlier)
        return solve_slate(shards, slate, sized, payout_for(plan.config), plan.config.field, seed, progress=progress,
                           ownership_csv=ownership_csv)
    except (PortfolioError, ContestError, SlateError) as error:
        raise type(error)(f"{plan.label()}: {error}") from None


def entry_cells(slate: Slate, entries: EntriesFile, lineup: Sequence[int]) -> list[str]:
    """A lineup's six D cells: `Name (ID)` as the file's player list spells the driver, else the slate's name."""
    pool = entries.player_ids
    cells = []
    for index in lineup:
        entry = slate.entries[int(index)]
        player = pool.get(entry.dk_id)
        cells.append(player.name_and_id if player is not None else name_and_id(entry.name, entry.dk_id))
    return cells


def build_entries_result(
    slate: Slate,
    slate_id: str | None,
    entries: EntriesFile,
    plans: Sequence[ContestPlan],
    solutions: Sequence[Solution],
    metrics: Sequence[Metrics],
    timings: dict[str, float],
    newcomers: Sequence[Newcomer] = (),
    warnings: Sequence[str] = (),
) -> RunResult:
    """Step 5 with an entries file: the lineups of every contest in file order (each naming its contest and
    entry), exposures over all of them, each contest's metrics and solver summary, the first contest's at the
    top level, and the file filled."""
    parts = [build_result(slate, slate_id, solution, contest_metrics, timings, newcomers, warnings)
             for solution, contest_metrics in zip(solutions, metrics)]
    lineups, contests, cells = [], [], {}
    for plan, part, solution in zip(plans, parts, solutions):
        first = len(lineups)
        for entry_id, lineup, indices in zip(plan.contest.entry_ids, part.lineups, solution.portfolio.lineups):
            lineups.append(lineup.model_copy(update={"contest_id": plan.contest.contest_id, "entry_id": entry_id}))
            cells[entry_id] = entry_cells(slate, entries, indices)
        contests.append(EntryContestResult(
            contest_id=plan.contest.contest_id, name=plan.contest.name, entry_fee=plan.config.entry_fee,
            entries=plan.config.entries, entry_ids=list(plan.contest.entry_ids),
            lineups=list(range(first, len(lineups))), metrics=part.metrics, solver=part.solver,
        ))
    every = np.concatenate([np.asarray(s.portfolio.lineups) for s in solutions])
    counts = np.bincount(every.ravel(), minlength=len(slate.entries)) / len(every)
    exposures = {slate.names[i]: round(float(c), 4) for i, c in enumerate(counts) if c > 0}
    return parts[0].model_copy(update={
        "lineups": lineups,
        "exposures": dict(sorted(exposures.items(), key=lambda kv: -kv[1])),
        "upload_csv": upload_csv(slate, every),
        "entry_contests": contests,
        "entries_csv": fill_entries(entries, cells),
    })


# -- the work the steps share, on points ------------------------------------------------------------------


def solve_portfolio(
    points: np.ndarray, slate: Slate, controls: Controls, payout: PayoutTable, style: str | FieldStyle, seed: int,
    progress: Progress | None = None, pull: np.ndarray | None = None,
) -> Portfolio:
    """The portfolio over `points` against a field drawn from the same projections (what opponents see), or
    from `pull` (fitted to ownership): `DEFAULT_FIELD_SIZE` lineups, each standing for an equal share of the
    contest's other entries."""
    size = min(DEFAULT_FIELD_SIZE, payout.entries - controls.n_lineups)
    field = sample_field(points.mean(axis=0), slate.salaries, size, style=style, seed=seed, pull=pull)
    return solve(points, slate.salaries, controls, field=field, payout=payout, seed=seed, progress=progress)


def evaluate_portfolio(
    lineups: np.ndarray, points: np.ndarray, slate: Slate, payout: PayoutTable, style: str | FieldStyle, seed: int,
    pull: np.ndarray | None = None,
) -> Metrics:
    """Contest metrics on held-out scenarios `points` (drawn from `seed`) against every opponent of the contest.

    A sampled field smaller than the contest under-states how high its best scores reach, which would
    flatter win rates, so evaluation plays the whole field, up to `EVALUATION_FIELD` opponents: past that
    (contests up to 200,000 entries) the memory and time of scoring every opponent in every scenario outgrow
    a job, and the top of 50,000 lineups is already close to the top of the whole field.
    """
    size = min(payout.entries - len(lineups), EVALUATION_FIELD)
    field = sample_field(points.mean(axis=0), slate.salaries, size, style=style, seed=seed, pull=pull)
    return evaluate(np.asarray(lineups), points, field, payout, scenario_seed=seed)
