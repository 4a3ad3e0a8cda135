"""`pitwall optimize` and `pitwall evaluate`: a whole job on this machine, no servers.

optimize: slate → calibration on races before the slate's date → solving scenarios →
portfolio → evaluation on independent scenarios and an independently drawn field →
DraftKings upload CSV and a JSON summary. evaluate: the same evaluation for any upload
CSV, so another tool's portfolio is scored on exactly the scenarios and field that
`optimize` with the same seed reports on.

Both call the steps of a run (`pitwall.run`) that the optimize-slate flow's tasks wrap, so a job
with the same slate, history, seed, scenario counts, controls and contest gets the same portfolio.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from pydantic import ValidationError

from pitwall.cli import AliasesOpt, StrictNamesOpt, app, named_track_types
from pitwall.contest import DEFAULT_STYLE, ContestError, FieldStyle, Metrics, PayoutTable
from pitwall.dkentries import EntriesError, read_entries
from pitwall.documents import RunResult
from pitwall.history import History, HistoryError
from pitwall.portfolio import Controls, PortfolioError
from pitwall.portfolio.controls import Group
from pitwall.run import (
    DEFAULT_SCENARIOS,
    DEFAULT_SEED,
    UnknownDrivers,
    apply_projections,
    calibrate_race,
    evaluate_lineups,
    evaluation_seed,
    simulate_shard,
)
from pitwall.request import ContestConfig, ContestPlan, EntryContestConfig, entry_plans
from pitwall.run import build_entries_result, solve_entry_contest, solve_slate
from pitwall.run import build_result as build_result_step
from pitwall.results import race_track_type
from pitwall.simulation import RaceModel
from pitwall.dkentries import slate_mismatch
from pitwall.slate import Slate, SlateError, load_slate, read_aliases, read_upload
from pitwall.tracks import UnknownTrack

# Shards the solving scenarios are drawn in, so the bar can move (the same rows as one draw). Shards of
# 1,000 rows cut across the simulator's blocks of 1,024, which are then drawn twice: a --quiet run, with no
# bar to move, draws them in one.
SIMULATION_STEPS = 10


class FieldKind(str, Enum):
    sharp = "sharp"
    weak = "weak"


# -- shared options --------------------------------------------------------------------

SlateOpt = Annotated[Path, typer.Option("--slate", help="DraftKings salary CSV (with a Start column, or give --grid).")]
GridOpt = Annotated[Path | None, typer.Option("--grid", help="Starting grid CSV: driver name or DK id → position.")]
TrackOpt = Annotated[str, typer.Option("--track", help='Track name, e.g. "Daytona International Speedway".')]
TrackTypeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--track-type",
        help='The slate\'s track type (needed only for a venue pitwall does not know), or "NAME=TYPE" for a venue '
        "in the history (repeatable).",
    ),
]
LapsOpt = Annotated[int, typer.Option("--laps", min=1, help="Scheduled laps.")]
DateOpt = Annotated[str, typer.Option("--date", help="Race date, YYYY-MM-DD; calibration uses races before it.")]
SeriesOpt = Annotated[str, typer.Option("--series", help="Series: Cup, O'Reilly or Trucks.")]
HistoryOpt = Annotated[Path | None, typer.Option("--history", help="Results CSV in the bundled format (default: bundled).")]
ScenariosOpt = Annotated[int, typer.Option("--scenarios", min=100, help="Simulated races.")]
EvaluationScenariosOpt = Annotated[
    int | None,
    typer.Option("--evaluation-scenarios", min=100,
                 help="Held-out races the portfolio is evaluated on (default: as many as --scenarios)."),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed; evaluation uses an independent seed derived from it.")]
FieldOpt = Annotated[
    FieldKind, typer.Option("--field", help="Opponents when no ownership file is given: weak or sharp field."),
]
EntriesOpt = Annotated[int, typer.Option("--entries", min=2, help="Contest size.")]
FeeOpt = Annotated[float, typer.Option("--entry-fee", min=0.01, help="Entry fee.")]
PayoutOpt = Annotated[
    Path | None, typer.Option("--payout", help="Payout CSV: first_place,last_place,prize rows (default: typical GPP).")
]
JsonOpt = Annotated[Path | None, typer.Option("--json", help="Also write the JSON summary here.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", help="No progress bars; only the JSON summary.")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text()
    except OSError as error:
        raise _fail(f"cannot read the {what} {str(path)!r}: {error.strerror or error}") from None


def _read_as_is(path: Path, what: str) -> str:
    """A file with its line endings kept (DraftKings' CRLF goes back as it came)."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(f"cannot read the {what} {str(path)!r}: {getattr(error, 'strerror', None) or error}") from None


def _load(
    slate_path: Path, grid: Path | None, track: str, track_types: list[str] | None, laps: int, date: str, series: str,
    history_path: Path | None, aliases_path: Path | None = None, strict_names: bool = False,
) -> tuple[History, Slate]:
    try:
        race_date = dt.date.fromisoformat(date)
    except ValueError:
        raise _fail(f"--date {date!r} is not a date like 2025-02-16") from None
    bare = [value for value in track_types or [] if "=" not in value]
    if len(bare) > 1:
        raise _fail(f"--track-type: one type for the slate's track, got {', '.join(bare)}")
    named = named_track_types([value for value in track_types or [] if "=" in value])
    try:
        history = History.from_csv(history_path, track_types=named)
    except (OSError, HistoryError) as error:
        raise _fail(f"history: {error}") from None
    try:
        slate = load_slate(
            _read(slate_path, "salary file"),
            track=track,
            date=race_date,
            laps=laps,
            grid_text=_read(grid, "grid file") if grid is not None else None,
            known_drivers=history.known_drivers(series),
            aliases=read_aliases(_read(aliases_path, "alias file")) if aliases_path is not None else None,
            strict_names=strict_names,
            track_type=bare[0] if bare else race_track_type(track, race_date, track_types=named),
            series=series,
        )
        slate.kind  # an unknown track without --track-type fails here, listing the types
    except (SlateError, UnknownTrack, ValueError) as error:
        raise _fail(str(error)) from None
    return history, slate


def parse_group(text: str) -> tuple[list[str], int | None, int | None]:
    """`--group "NAME1,NAME2,NAME3:max=1"` (or `:min=1`, or `:min=1,max=2`) → names, max, min."""
    names_part, colon, rule = text.rpartition(":")
    names = [name.strip() for name in names_part.split(",") if name.strip()]
    if not colon or not names:
        raise ValueError(f"--group {text!r}: expected NAME1,NAME2,...:max=K or :min=K")
    bounds: dict[str, int] = {}
    for item in rule.split(","):
        key, equals, value = item.strip().partition("=")
        key = key.strip().lower()
        if key not in ("max", "min") or not equals or key in bounds:
            raise ValueError(f"--group {text!r}: expected max=K and/or min=K after the colon, got {rule!r}")
        try:
            bounds[key] = int(value.strip())
        except ValueError:
            raise ValueError(f"--group {text!r}: {key} must be a whole number, got {value.strip()!r}") from None
    return names, bounds.get("max"), bounds.get("min")


def read_exposures(text: str) -> tuple[dict[str, float], dict[str, float]]:
    """An exposure file (CSV columns Name, Min, Max; shares 0 … 1, either may be blank) → (min, max) by name."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {(c or "").strip().lower(): c for c in reader.fieldnames or []}
    missing = [c for c in ("name", "min", "max") if c not in columns]
    if missing:
        raise ValueError(f"exposure file: needs columns Name, Min, Max; missing {', '.join(missing)}")
    lowest: dict[str, float] = {}
    highest: dict[str, float] = {}
    seen: set[str] = set()
    for number, row in enumerate(reader, start=2):
        name = (row[columns["name"]] or "").strip()
        if not name and not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        if not name:
            raise ValueError(f"exposure file: row {number}: no Name")
        if name.lower() in seen:
            raise ValueError(f"exposure file: row {number}: {name!r} appears twice")
        seen.add(name.lower())
        for column, into in (("min", lowest), ("max", highest)):
            cell = (row[columns[column]] or "").strip()
            if not cell:
                continue
            try:
                share = float(cell)
            except ValueError:
                share = math.nan
            if not 0 <= share <= 1:
                raise ValueError(f"exposure file: row {number}: {column.capitalize()} of {name} must be a share "
                                 f"0 … 1, got {cell!r}")
            into[name] = share
    return lowest, highest


def _warn_newcomers(model: RaceModel) -> None:
    """Drivers racing with the newcomer prior: a warning each on stderr."""
    for newcomer in model.newcomers:
        typer.echo(f"warning: {newcomer}", err=True)


def _payout(entries: int, entry_fee: float, payout_path: Path | None) -> PayoutTable:
    try:
        if payout_path is None:
            return PayoutTable.gpp(entries, entry_fee)
        return PayoutTable.from_csv(_read(payout_path, "payout file"), entries=entries, entry_fee=entry_fee)
    except ContestError as error:
        raise _fail(str(error)) from None


def _progress():
    """The bars on stderr; rich is imported only when they are shown (a --quiet run never needs it)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description:<10}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=Console(stderr=True), transient=True,
    )


class _Stages:
    """Stage timings, and a progress bar per long stage on stderr unless quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.timings: dict[str, float] = {}
        self.started = time.perf_counter()
        self._progress = None if quiet else _progress()

    def __enter__(self) -> _Stages:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    @contextmanager
    def stage(self, name: str, total: int = 1) -> Iterator[Callable[[int, int], None]]:
        task = self._progress.add_task(name, total=total) if self._progress is not None else None

        def advance(done: int, of: int) -> None:
            if task is not None:
                self._progress.update(task, completed=done, total=of)

        began = time.perf_counter()
        yield advance
        self.timings[name] = round(time.perf_counter() - began, 3)
        if task is not None:
            self._progress.update(task, completed=total)
            self._progress.remove_task(task)

    def total(self) -> dict[str, float]:
        return {**self.timings, "total": round(time.perf_counter() - self.started, 3)}


def _calibrate(history: History, slate: Slate, stages: _Stages, strict_names: bool = False) -> RaceModel:
    with stages.stage("calibrate"):
        # A rerun on the same slate and results file loads the model fitted the first time.
        return calibrate_race(history, slate, strict_names=strict_names, kept=True)


def _evaluation(slate: Slate, model: RaceModel, lineups, n_scenarios: int, seed: int, style: str | FieldStyle,
                payout: PayoutTable, stages: _Stages, pull: np.ndarray | None = None) -> Metrics:
    """Score lineups on scenarios and a field drawn from the evaluation seed (the evaluate step)."""
    with stages.stage("evaluate", SIMULATION_STEPS + 1) as advance:
        return evaluate_lineups(model, lineups, slate, payout, style, seed, n_scenarios,
                                progress=None if stages.quiet else advance, pull=pull)


def _emit(summary: dict, json_path: Path | None) -> None:
    text = json.dumps(summary, indent=2)
    typer.echo(text)
    if json_path is not None:
        json_path.write_text(text + "\n")


def _slate_summary(slate: Slate) -> dict:
    return {
        "track": slate.track,
        "track_type": slate.kind,
        "date": slate.date.isoformat(),
        "laps": slate.laps,
        "series": slate.series,
        "drivers": len(slate.entries),
    }


def _run(
    history: History, slate: Slate, controls: Controls, payout: PayoutTable, field: FieldKind, scenarios: int,
    seed: int, evaluation_scenarios: int, strict_names: bool, projections_csv: str | None, ownership_csv: str | None,
    stages: _Stages,
) -> tuple[RunResult, Metrics, RaceModel]:
    """The steps of a run in the order the optimize-slate flow runs them, each stage timed and shown."""
    model = _calibrate(history, slate, stages, strict_names)
    with stages.stage("project"):
        model, warnings = apply_projections(model, slate, projections_csv, scenarios, seed)
    with stages.stage("simulate", SIMULATION_STEPS) as advance:
        steps = 1 if stages.quiet else min(SIMULATION_STEPS, scenarios)
        shards = []
        for shard in range(steps):
            shards.append(simulate_shard(model, scenarios, seed, shard, steps))
            advance(shard + 1, steps)
    with stages.stage("solve", controls.n_lineups) as advance:
        solution = solve_slate(shards, slate, controls, payout, field.value, seed, progress=advance,
                               ownership_csv=ownership_csv)
    metrics = _evaluation(slate, model, solution.portfolio.lineups, evaluation_scenarios, seed, solution.field_style,
                          payout, stages, solution.field_pull)
    result = build_result_step(slate, None, solution, metrics, stages.timings, model.newcomers, warnings)
    return result, metrics, model


def _run_entries(
    history: History, slate: Slate, controls: Controls, plans: list[ContestPlan], entries_text: str, across: bool,
    scenarios: int, seed: int, evaluation_scenarios: int, strict_names: bool, projections_csv: str | None,
    ownership_csv: str | None, stages: _Stages,
) -> tuple[RunResult, list[Metrics], RaceModel]:
    """The steps of a run with an entries file, as the optimize-slate flow runs them: one portfolio per
    contest of the file, in file order, each judged in its own contest."""
    model = _calibrate(history, slate, stages, strict_names)
    with stages.stage("project"):
        model, warnings = apply_projections(model, slate, projections_csv, scenarios, seed)
    with stages.stage("simulate", SIMULATION_STEPS) as advance:
        steps = 1 if stages.quiet else min(SIMULATION_STEPS, scenarios)
        shards = [simulate_shard(model, scenarios, seed, shard, steps) for shard in range(steps)]
        advance(steps, steps)
    total = sum(plan.n_lineups for plan in plans)
    solutions = []
    with stages.stage("solve", total) as advance:
        for plan in plans:
            solutions.append(solve_entry_contest(shards, slate, controls, plan, seed, across=across, total=total,
                                                 earlier=[s.portfolio.lineups for s in solutions],
                                                 ownership_csv=ownership_csv))
            advance(sum(p.n_lineups for p in plans[:len(solutions)]), total)
    metrics = []
    with stages.stage("evaluate", len(plans)) as advance:
        for number, (plan, solution) in enumerate(zip(plans, solutions), start=1):
            metrics.append(evaluate_lineups(model, solution.portfolio.lineups, slate, plan.config.payout_table(),
                                            solution.field_style, seed, evaluation_scenarios, pull=solution.field_pull))
            advance(number, len(plans))
    result = build_entries_result(slate, None, read_entries(entries_text), plans, solutions, metrics, stages.timings,
                                  model.newcomers, warnings)
    return result, metrics, model


def payout_rows(payout: PayoutTable) -> list[dict]:
    """A payout table as the request's rows: each run of equal prizes one row."""
    rows: list[dict] = []
    for place, prize in enumerate(payout.prizes, start=1):
        if prize <= 0:
            break
        if rows and rows[-1]["prize"] == prize:
            rows[-1]["last_place"] = place
        else:
            rows.append({"first_place": place, "last_place": place, "prize": prize})
    return rows


def _plans(entries_text: str, sizes: list[str], payout: PayoutTable, payout_given: bool, field: FieldKind,
           evaluation_scenarios: int) -> list[ContestPlan]:
    """The contests of an entries file, each with its size (`--contest-size ID=N`, else --entries), the
    file's fee, and the --payout rows when given, by the request's rules (`pitwall.request.entry_plans`)."""
    try:
        entries = read_entries(entries_text)
    except EntriesError as error:
        raise _fail(f"entries file: {error}") from None
    overrides: dict[str, EntryContestConfig] = {}
    for text in sizes:
        contest_id, equals, size = text.partition("=")
        if not equals or not contest_id.strip().isdigit() or not size.strip().isdigit():
            raise _fail(f"--contest-size {text!r}: expected CONTEST_ID=ENTRIES, e.g. 170000001=47000")
        try:
            overrides[contest_id.strip()] = EntryContestConfig(entries=int(size))
        except ValidationError as error:
            raise _fail(f"--contest-size {text!r}: {error.errors()[0]['msg']}") from None
    try:
        default = ContestConfig(entries=payout.entries, entry_fee=payout.entry_fee, field=field.value,
                                evaluation_scenarios=evaluation_scenarios,
                                payout=payout_rows(payout) if payout_given else None)
        return entry_plans(entries, overrides, default)
    except ContestError as error:
        raise _fail(str(error)) from None
    except ValueError as error:
        raise _fail(f"contest: {error}") from None


def _contest_summary(payout: PayoutTable, field_kind: FieldKind) -> dict:
    return {
        "entries": payout.entries,
        "entry_fee": payout.entry_fee,
        "rake": round(payout.rake, 4),
        "paid_places": payout.paid_places,
        "first_prize": payout.prizes[0],
        "field": field_kind.value,
    }


@app.command()
def optimize(
    slate_path: SlateOpt,
    track: TrackOpt,
    laps: LapsOpt,
    date: DateOpt,
    out: Annotated[Path, typer.Option("--out", help="Where to write the DraftKings upload CSV.")],
    grid: GridOpt = None,
    track_type: TrackTypeOpt = None,
    lineups: Annotated[int | None, typer.Option("--lineups", min=1, max=150, help="Lineups in the portfolio (default "
                       "20; with --entries-file, each contest's entry rows).")] = None,
    scenarios: ScenariosOpt = DEFAULT_SCENARIOS,
    seed: SeedOpt = DEFAULT_SEED,
    evaluation_scenarios: EvaluationScenariosOpt = None,
    max_exposure: Annotated[float, typer.Option("--max-exposure", min=0.0, max=1.0, help="Most lineups any driver is in, as a share.")] = 1.0,
    max_overlap: Annotated[int | None, typer.Option("--max-overlap", min=0, max=5, help="Most drivers two lineups share.")] = None,
    lock: Annotated[list[str] | None, typer.Option("--lock", help="Driver in every lineup (repeatable).")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="Driver in no lineup (repeatable).")] = None,
    min_salary: Annotated[int, typer.Option("--min-salary", min=0, help="Least salary a lineup may use.")] = 0,
    group: Annotated[
        list[str] | None,
        typer.Option("--group", help='At most / at least k of a set of drivers in every lineup: '
                     '"NAME1,NAME2,NAME3:max=1" or ":min=1" (repeatable).'),
    ] = None,
    exposures_path: Annotated[
        Path | None,
        typer.Option("--exposures", help="Per-driver exposure CSV: columns Name,Min,Max (shares 0-1, either blank)."),
    ] = None,
    projections_path: Annotated[
        Path | None,
        typer.Option("--projections", help="Your projections: CSV with Name (or ID), Projection (DK points) and optional Ceiling "
                     "(85th percentile)."),
    ] = None,
    ownership_path: Annotated[
        Path | None,
        typer.Option("--ownership", help="Your projected ownership: CSV with Name (or ID) and Ownership (percent of "
                     "lineups); the field is drawn to match it instead of --field."),
    ] = None,
    history_path: HistoryOpt = None,
    series: SeriesOpt = "Cup",
    field: FieldOpt = FieldKind(DEFAULT_STYLE),
    entries: EntriesOpt = 10_000,
    entry_fee: FeeOpt = 20.0,
    payout_path: PayoutOpt = None,
    json_path: JsonOpt = None,
    quiet: QuietOpt = False,
    aliases: AliasesOpt = None,
    strict_names: StrictNamesOpt = False,
    entries_path: Annotated[
        Path | None,
        typer.Option("--entries-file", help="DraftKings' DKEntries.csv: a portfolio per contest in it, a lineup per "
                     "entry row, written back filled (see --entries-out)."),
    ] = None,
    entries_out: Annotated[
        Path | None,
        typer.Option("--entries-out", help="Where to write the filled entries file (default: beside --out, named "
                     "<out>.entries.csv)."),
    ] = None,
    contest_size: Annotated[
        list[str] | None,
        typer.Option("--contest-size", help="With --entries-file: a contest's size, CONTEST_ID=ENTRIES (repeatable; "
                     "default --entries)."),
    ] = None,
    exposure_across_contests: Annotated[
        bool,
        typer.Option("--exposure-across-contests", help="With --entries-file: --max-exposure and the exposure file's "
                     "Max count over all the file's lineups, not each contest's."),
    ] = False,
) -> None:
    """Build a tournament portfolio for a slate and write it as a DraftKings upload CSV.

    With --entries-file, one portfolio per contest of DraftKings' entries file, and the file written back
    with each entry's six D cells filled (--entries-out).

    Drivers the history does not know race with a prior from salary, grid and their other-series
    results, each listed with a warning (--strict-names refuses them instead).
    """
    if entries_path is None and (contest_size or exposure_across_contests or entries_out):
        raise _fail("--contest-size, --exposure-across-contests and --entries-out apply to an --entries-file")
    if entries_path is not None and lineups is not None:
        raise _fail("--lineups: with --entries-file each contest gets a lineup per entry row; leave --lineups out")
    entries_text = _read_as_is(entries_path, "entries file") if entries_path is not None else None
    if entries_text is not None:
        # Sized for the file's largest contest here; each contest's own count is set when it is solved.
        try:
            lineups = max(len(c.entry_ids) for c in read_entries(entries_text).contests)
        except EntriesError as error:
            raise _fail(f"entries file: {error}") from None
    lineups = lineups or 20
    with _Stages(quiet) as stages:
        history, slate = _load(slate_path, grid, track, track_type, laps, date, series, history_path, aliases,
                               strict_names)
        try:
            rules = [parse_group(text) for text in group or []]
            lowest, highest = read_exposures(_read(exposures_path, "exposure file")) if exposures_path else ({}, {})
        except ValueError as error:
            raise _fail(str(error)) from None
        try:
            groups = []
            for number, (names, most, least) in enumerate(rules):
                try:
                    groups.append(Group(tuple(slate.index(name) for name in names), most=most, least=least))
                except SlateError as error:
                    raise SlateError(f"group {number} ({group[number]}): {error}") from None
            controls = Controls(
                n_lineups=lineups,
                max_exposure=max_exposure,
                driver_max_exposure={slate.index(name): share for name, share in highest.items()},
                driver_min_exposure={slate.index(name): share for name, share in lowest.items()},
                max_overlap=max_overlap,
                locks=[slate.index(name) for name in lock or []],
                excludes=[slate.index(name) for name in exclude or []],
                min_salary=min_salary,
                groups=tuple(groups),
                names=tuple(slate.names),
            )
        except (SlateError, PortfolioError) as error:
            raise _fail(str(error)) from None
        payout = _payout(entries, entry_fee, payout_path)
        evaluation_scenarios = evaluation_scenarios or scenarios
        plans = (_plans(entries_text, contest_size or [], payout, payout_path is not None, field, evaluation_scenarios)
                 if entries_text is not None else [])
        if entries_text is not None:
            strangers = slate_mismatch(read_entries(entries_text), [(e.name, e.dk_id) for e in slate.entries])
            if strangers:
                raise _fail(f"the entries file's player list lacks the DK ids of {len(strangers)} slate drivers "
                            f"({', '.join(strangers[:5])}): the file is of another slate")
        try:
            projections = _read(projections_path, "projections file") if projections_path else None
            ownership = _read(ownership_path, "ownership file") if ownership_path else None
            if plans:
                result, every_metrics, model = _run_entries(
                    history, slate, controls, plans, entries_text, exposure_across_contests, scenarios, seed,
                    evaluation_scenarios, strict_names, projections, ownership, stages)
                metrics = every_metrics[0]
            else:
                result, metrics, model = _run(history, slate, controls, payout, field, scenarios, seed,
                                              evaluation_scenarios, strict_names, projections, ownership, stages)
        except (PortfolioError, ContestError, SlateError, UnknownTrack, UnknownDrivers, ValueError) as error:
            raise _fail(str(error)) from None
        out.write_text(result.upload_csv)
        if result.entries_csv is not None:
            entries_out = entries_out or out.with_suffix(".entries.csv")
            # newline="" keeps the file's own line endings (DraftKings' CRLF) as they were read.
            with open(entries_out, "w", newline="") as handle:
                handle.write(result.entries_csv)
    _warn_newcomers(model)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    timings = stages.total()
    names = slate.names
    _emit(
        {
            "slate": _slate_summary(slate),
            "drivers_without_history": [d.model_dump(mode="json") for d in result.drivers_without_history],
            "warnings": result.warnings,
            "upload_csv": str(out),
            "entries_csv": str(entries_out) if result.entries_csv is not None else None,
            "entry_contests": [
                {"contest_id": c.contest_id, "name": c.name, "lineups": len(c.lineups), "entries": c.entries,
                 "entry_fee": c.entry_fee, "roi": c.metrics.roi, "top1_rate": c.metrics.top1_rate}
                for c in result.entry_contests
            ],
            "lineups": [" / ".join(lineup.drivers) for lineup in result.lineups],
            "controls": {
                "lineups": lineups,
                "max_exposure": max_exposure,
                "max_overlap": max_overlap,
                "locks": lock or [],
                "excludes": exclude or [],
                "min_salary": min_salary,
                "groups": [{"drivers": list(names), "max": most, "min": least} for names, most, least in rules],
                "driver_min_exposure": lowest,
                "driver_max_exposure": highest,
            },
            "contest": _contest_summary(payout, field),
            "scenarios": {
                "solve": {"count": scenarios, "seed": seed},
                "evaluate": {"count": evaluation_scenarios, "seed": evaluation_seed(seed)},
                "note": "metrics come from scenarios and a field drawn independently of those the portfolio was solved on",
            },
            "timings": {key: timings[key] for key in ("calibrate", "simulate", "solve", "evaluate", "total")},
            "solver": result.solver.model_dump(mode="json"),
            "metrics": metrics.summary(names),
        },
        json_path,
    )


@app.command()
def evaluate(
    slate_path: SlateOpt,
    track: TrackOpt,
    laps: LapsOpt,
    date: DateOpt,
    lineups_path: Annotated[Path, typer.Option("--lineups", help="DraftKings upload CSV of any portfolio.")],
    grid: GridOpt = None,
    track_type: TrackTypeOpt = None,
    scenarios: ScenariosOpt = DEFAULT_SCENARIOS,
    seed: SeedOpt = DEFAULT_SEED,
    history_path: HistoryOpt = None,
    series: SeriesOpt = "Cup",
    field: FieldOpt = FieldKind(DEFAULT_STYLE),
    entries: EntriesOpt = 10_000,
    entry_fee: FeeOpt = 20.0,
    payout_path: PayoutOpt = None,
    json_path: JsonOpt = None,
    quiet: QuietOpt = False,
    aliases: AliasesOpt = None,
) -> None:
    """Score any portfolio on the evaluation scenarios and field `optimize --seed` reports on."""
    with _Stages(quiet) as stages:
        history, slate = _load(slate_path, grid, track, track_type, laps, date, series, history_path, aliases)
        try:
            lineups = read_upload(slate, _read(lineups_path, "lineups file"))
        except SlateError as error:
            raise _fail(str(error)) from None
        if not lineups:
            raise _fail(f"{str(lineups_path)!r} holds no lineups")
        payout = _payout(entries, entry_fee, payout_path)
        try:
            model = _calibrate(history, slate, stages)
            metrics = _evaluation(slate, model, np.asarray(lineups), scenarios, seed, field.value, payout, stages)
        except (ContestError, ValueError) as error:
            raise _fail(str(error)) from None
    timings = stages.total()
    _emit(
        {
            "slate": _slate_summary(slate),
            "lineups_file": str(lineups_path),
            "contest": _contest_summary(payout, field),
            "scenarios": {
                "evaluate": {"count": scenarios, "seed": evaluation_seed(seed)},
                "note": "the evaluation seed is the one `pitwall optimize --seed` evaluates on, independent of its solving seed",
            },
            "timings": {key: timings[key] for key in ("calibrate", "evaluate", "total")},
            "metrics": metrics.summary(slate.names),
        },
        json_path,
    )
