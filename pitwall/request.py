"""What a user asks pitwall to optimize: a slate (stored, or inline), scenario and portfolio settings.

Validated once at the edge; the job record keeps the validated form, and the flow reads it from there.
Whatever can be decided without the knowledge graph is decided here, so a request that cannot succeed is
refused at submit (a 422 naming the field) instead of failing in its run: numbers are JSON numbers of the
right kind (no booleans, no strings, no 1.0 for a count); an inline slate keeps the slate rules of
`pitwall.slate.slate_problems`, the same ones a salary CSV upload keeps; and the portfolio controls must
name drivers of the inline slate and be satisfiable on it. A stored slate (`slate_id`) is not read at
submit: the run checks the controls against it and fails, with the reason in the job, when they conflict.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from pitwall.contest.errors import ContestError
from pitwall.contest.payout import PayoutTable
from pitwall.dkentries import MAX_CONTESTS, EntriesError, EntriesFile, EntryContest, read_entries, slate_mismatch
from pitwall.ownership import ownership_percent
from pitwall.projections import read_projections
from pitwall.rules import ROSTER_SIZE, SALARY_CAP
from pitwall.slate import (
    DK_ID_MAX,
    DK_ID_MIN,
    SALARY_MAX,
    SALARY_MIN,
    Entry,
    Slate,
    SlateError,
    apply_aliases,
    dk_id_problem,
    normalize_name,
    race_problem,
    read_aliases,
    salary_problem,
    slate_problems,
    start_problem,
)
from pitwall.text import surrogate_problem
from pitwall.tracks import TRACK_TYPE_NAMES

# The limits of a request, defined here only: whatever enforces them (the solver, too) imports them.
MAX_DRIVERS = 80
MAX_SCENARIOS = 100_000
MAX_LINEUPS = 150
MAX_ENTRIES = 200_000
MAX_ENTRY_FEE = 10_000
MAX_PAYOUT_ROWS = 1_000
MAX_GROUPS = 50
MAX_ENTRIES_CSV = 500_000

# JSON numbers only: strict, so `true`, `"5"` and (for a count) `1.0` are refused, never coerced.
# A float field still takes a JSON integer (`"entry_fee": 20`).
Int = Annotated[int, Strict()]
Float = Annotated[float, Strict()]


def _refusal(message: str) -> PydanticCustomError:
    # The message goes in as context, so braces in a driver's name are not read as a template.
    return PydanticCustomError("invalid_request", "{message}", {"message": message})


def _rule(problem_of: Callable[[int], str | None]) -> AfterValidator:
    """A field validator applying one of the slate rules of `pitwall.slate`, with its message."""

    def check(value: int) -> int:
        problem = problem_of(value)
        if problem:
            raise _refusal(problem)
        return value

    return AfterValidator(check)


class _Refusals:
    """Problems found by a model validator, each at its own field, raised together as one ValidationError."""

    def __init__(self, prefix: str = "") -> None:
        self.errors: list[InitErrorDetails] = []
        self.prefix = prefix

    def add(self, loc: tuple[str | int, ...], message: str, value: Any = None) -> None:
        self.errors.append(InitErrorDetails(type=_refusal(self.prefix + message), loc=loc, input=value))

    def raise_any(self, title: str) -> None:
        if self.errors:
            raise ValidationError.from_exception_data(title, self.errors)


class _Strict(BaseModel):
    # Unknown fields are refused: a typo in a control must not be silently ignored.
    model_config = ConfigDict(extra="forbid")


class RequestBody(_Strict):
    """A whole body a client sends (an optimize request, a slate upload)."""

    @model_validator(mode="before")
    @classmethod
    def _valid_text(cls, data: object) -> object:
        # Before any field is read: a lone surrogate in a name would break every message that quotes it.
        problem = surrogate_problem(data)
        if problem is not None:
            raise ValueError(problem)
        return data


class InlineDriver(_Strict):
    """One driver of an inline slate, as a row of a DraftKings salary CSV with its starting position."""

    name: str = Field(min_length=1, max_length=100, description="the driver, as DraftKings or the results spell him")
    dk_id: Annotated[Int, _rule(dk_id_problem)] = Field(
        description=f"DraftKings id, {DK_ID_MIN} … {DK_ID_MAX}; no two drivers share one",
        json_schema_extra={"minimum": DK_ID_MIN, "maximum": DK_ID_MAX},
    )
    salary: Annotated[Int, _rule(salary_problem)] = Field(
        description=f"whole dollars, DraftKings' NASCAR range ${SALARY_MIN:,} … ${SALARY_MAX:,}",
        json_schema_extra={"minimum": SALARY_MIN, "maximum": SALARY_MAX},
    )
    start: Annotated[Int, _rule(start_problem)] = Field(
        description="starting position, 1 … the number of drivers; no two drivers share one",
        json_schema_extra={"minimum": 1, "maximum": MAX_DRIVERS},
    )


class Race(_Strict):
    """The race of an inline slate: where, when and how long."""

    track: str = Field(min_length=1, max_length=100, description="the track's name, e.g. Phoenix Raceway")
    date: dt.date = Field(description="race day (YYYY-MM-DD); the model is calibrated on results before it")
    laps: Int = Field(ge=1, le=2_000, description="scheduled laps; laps led over a scenario sum to them")
    track_type: str | None = Field(
        default=None, max_length=30,
        description=f"one of {', '.join(TRACK_TYPE_NAMES)}; needed only for a track pitwall does not know "
        "(an unknown type, or an unknown track without one, is a 422)",
    )
    series: str = Field(default="Cup", max_length=30,
                        description="the series whose results calibrate the race: Cup, O'Reilly or Trucks")

    @model_validator(mode="after")
    def _has_a_track_type(self) -> Race:
        problem = race_problem(self.track, self.date, self.track_type)
        if problem is not None:
            refusals = _Refusals()
            field, message = problem
            refusals.add((field,), message, getattr(self, field))
            refusals.raise_any(type(self).__name__)
        return self


class ScenarioConfig(_Strict):
    """The simulated races the portfolio is solved on."""

    n_scenarios: Int = Field(default=10_000, ge=100, le=MAX_SCENARIOS,
                             description="simulated races to solve on; more is steadier and slower")
    seed: Int = Field(default=7, ge=0, le=2**32 - 1,
                      description="seed of the scenarios: the same request and seed give the same portfolio")
    shards: Int = Field(default=4, ge=1, le=64,
                        description="pieces the scenarios are generated in, in parallel; the scenarios do not depend "
                        "on it")


class GroupRule(_Strict):
    """At most `max` and/or at least `min` of a set of drivers in every lineup (e.g. one of three teammates)."""

    drivers: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        min_length=1, max_length=MAX_DRIVERS,
        description="the drivers of the group, no one twice; for an inline slate, each a driver of it",
    )
    max: Int | None = Field(default=None, ge=0, le=ROSTER_SIZE,
                            description="most drivers of the group in any lineup, at most the group's size")
    min: Int | None = Field(default=None, ge=0, le=ROSTER_SIZE,
                            description=f"fewest drivers of the group in every lineup, at most the group's size and "
                            f"{ROSTER_SIZE}")

    @model_validator(mode="after")
    def _possible(self) -> GroupRule:
        refusals = _Refusals()
        seen: set[str] = set()
        for index, name in enumerate(self.drivers):
            key = normalize_name(name)
            if key in seen:
                refusals.add(("drivers", index), f"{name!r} is in the group twice", name)
            seen.add(key)
        if self.max is None and self.min is None:
            refusals.add((), "a group needs max, min or both", None)
        for field in ("max", "min"):
            k = getattr(self, field)
            if k is not None and k > len(self.drivers):
                refusals.add((field,), f"{field} {k} is more than the group's {len(self.drivers)} drivers", k)
        if self.max is not None and self.min is not None and self.min > self.max:
            refusals.add(("min",), f"min {self.min} is above max {self.max}", self.min)
        refusals.raise_any(type(self).__name__)
        return self

    def describe(self) -> str:
        return group_label(self.drivers, self.max, self.min)


def group_label(names: list[str] | tuple[str, ...], most: int | None, least: int | None) -> str:
    """A group rule in words, as errors name it: 'at most 1 of A, B, C'."""
    bounds = [f"at least {least}" if least is not None else "", f"at most {most}" if most is not None else ""]
    return f"{' and '.join(b for b in bounds if b)} of {', '.join(names)}"


class PortfolioConfig(_Strict):
    """How many lineups, and the rules every lineup and the portfolio as a whole keep."""

    n_lineups: Int = Field(default=20, ge=1, le=MAX_LINEUPS, description="lineups in the portfolio")
    max_exposure: Float = Field(default=1.0, gt=0, le=1, description="largest share of lineups any driver is in")
    driver_max_exposure: dict[str, Float] = Field(
        default_factory=dict, max_length=MAX_DRIVERS,
        description="driver → largest share of lineups, 0 … 1 (replaces max_exposure for that driver); "
        "for an inline slate, each a driver of it",
    )
    driver_min_exposure: dict[str, Float] = Field(
        default_factory=dict, max_length=MAX_DRIVERS,
        description="driver → smallest share of lineups, 0 … 1; for an inline slate, each a driver of it",
    )
    max_overlap: Int | None = Field(default=None, ge=0, le=5, description="most drivers two lineups may share")
    min_salary: Int = Field(
        default=0, ge=0, le=SALARY_CAP,
        description=f"least salary of a lineup, at most the ${SALARY_CAP:,} cap (and, for an inline slate, at most "
        "its richest lineup)",
    )
    locks: list[str] = Field(
        default_factory=list, max_length=ROSTER_SIZE,
        description=f"drivers in every lineup: at most {ROSTER_SIZE}, none also excluded; for an inline slate, "
        "drivers of it whose salaries leave a lineup under the cap",
    )
    excludes: list[str] = Field(
        default_factory=list, max_length=MAX_DRIVERS,
        description=f"drivers in no lineup; for an inline slate, drivers of it, leaving at least {ROSTER_SIZE}",
    )
    groups: list[GroupRule] = Field(
        default_factory=list, max_length=MAX_GROUPS,
        description="rules over sets of drivers holding in every lineup: `{\"drivers\": [...], \"max\": 1}` (at "
        "most one of them) or `\"min\"` (at least); a min group must leave enough drivers outside the excludes, "
        "and agree with the locks",
    )

    @model_validator(mode="after")
    def _controls_agree(self) -> PortfolioConfig:
        """Conflicts between the controls themselves, whatever the slate (the checks of
        `pitwall.portfolio.Controls` that need no slate, on names)."""
        refusals = _Refusals()
        for name, shares in (("driver_max_exposure", self.driver_max_exposure),
                             ("driver_min_exposure", self.driver_min_exposure)):
            for driver, share in shares.items():
                if not 0 <= share <= 1:
                    refusals.add((name, driver), f"{driver}: a share of lineups lies in [0, 1], got {share}", share)
        n = self.n_lineups
        locked = {normalize_name(name): name for name in self.locks}
        highest = {normalize_name(name): share for name, share in self.driver_max_exposure.items()}
        lowest = {normalize_name(name): share for name, share in self.driver_min_exposure.items()}
        for index, name in enumerate(self.excludes):
            key = normalize_name(name)
            if key in locked:
                refusals.add(("excludes", index), f"{name!r} is both locked and excluded", name)
            elif math.ceil(lowest.get(key, 0.0) * n - 1e-9) > 0:
                refusals.add(("excludes", index), f"{name!r} is excluded but driver_min_exposure needs them", name)
        for index, name in enumerate(self.locks):
            key = normalize_name(name)
            if key in highest and math.floor(highest[key] * n + 1e-9) < n:
                refusals.add(("locks", index), f"{name!r} is locked, in every lineup, but driver_max_exposure "
                             f"allows {math.floor(highest[key] * n + 1e-9)} of {n}", name)
        for name, share in self.driver_min_exposure.items():
            key = normalize_name(name)
            most = highest.get(key, self.max_exposure)
            if key not in locked and math.ceil(share * n - 1e-9) > math.floor(most * n + 1e-9):
                refusals.add(("driver_min_exposure", name), f"{name}: min exposure needs "
                             f"{math.ceil(share * n - 1e-9)} lineups, max exposure allows "
                             f"{math.floor(most * n + 1e-9)} of {n}", share)
        demand = sum(math.ceil(share * n - 1e-9) for key, share in lowest.items() if key not in locked) + n * len(locked)
        if demand > ROSTER_SIZE * n:
            refusals.add(("driver_min_exposure",), f"min exposures need {demand} driver slots, {n} lineups have "
                         f"{ROSTER_SIZE * n}", self.driver_min_exposure)
        if self.max_overlap is not None and len(locked) > self.max_overlap and n > 1:
            refusals.add(("locks",), f"{len(locked)} locked drivers are shared by every two lineups, above "
                         f"max_overlap {self.max_overlap}", self.locks)
        excluded = {normalize_name(name) for name in self.excludes}
        for index, group in enumerate(self.groups):
            members = {normalize_name(name) for name in group.drivers}
            for problem in group_problems(members, group.max, group.min, locked=set(locked), excluded=excluded,
                                          needed={key for key, share in lowest.items()
                                                  if math.ceil(share * n - 1e-9) > 0}):
                refusals.add(("groups", index), f"group {index} ({group.describe()}): {problem}", group.drivers)
        refusals.raise_any(type(self).__name__)
        return self


def group_problems(members: set, most: int | None, least: int | None, *, locked: set, excluded: set,
                   needed: set = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Why a group rule cannot hold in any lineup given the locks, excludes and drivers a min exposure needs
    (drivers as names or indices alike): the rule shared by the request and `pitwall.portfolio.Controls`."""
    problems = []
    inside = len(members & locked)
    if most is not None and inside > most:
        problems.append(f"{inside} of its drivers are locked, above its max {most}")
    if most == 0 and members & needed:
        problems.append("max 0 but a min exposure needs one of its drivers")
    if least is not None:
        available = len(members - excluded)
        if available < least:
            problems.append(f"the excludes leave {available} of its drivers, below its min {least}")
        if len(locked - members) + max(least, inside) > ROSTER_SIZE:
            problems.append(f"the {len(locked - members)} locked drivers outside it leave no room for its min "
                            f"{least} in a lineup of {ROSTER_SIZE}")
    return problems


class PayoutRow(_Strict):
    """Places first_place … last_place of the contest each win prize dollars."""

    first_place: Int = Field(ge=1, le=MAX_ENTRIES, description="the row's first (best) place, from 1")
    last_place: Int = Field(ge=1, le=MAX_ENTRIES, description="the row's last place, at least first_place and "
                            "at most the contest's entries")
    prize: Float = Field(gt=0, le=MAX_ENTRIES * MAX_ENTRY_FEE, description="dollars won by each of these places")


class ContestConfig(_Strict):
    """The tournament the portfolio is solved for and judged in: its size, fee, field and payout."""

    entries: Int = Field(default=10_000, ge=200, le=MAX_ENTRIES, description="lineups in the contest, yours included")
    entry_fee: Float = Field(default=20.0, gt=0, le=MAX_ENTRY_FEE, description="dollars per lineup")
    field: Literal["sharp", "weak"] = Field(
        default="sharp", description="the simulated opponents: sharp (they follow projections and value closely and spend "
        "at least $49,000) or weak (looser picks, at least $46,500); see docs/portfolio.md",
    )
    evaluation_scenarios: Int = Field(
        default=5_000, ge=100, le=MAX_SCENARIOS,
        description="fresh simulated races, from another seed, the finished portfolio is judged on",
    )
    payout: list[PayoutRow] | None = Field(
        default=None, min_length=1, max_length=MAX_PAYOUT_ROWS,
        description="the contest's real prizes, as rows `{first_place, last_place, prize}` (the command line's "
        "--payout file): places from 1 without gap or overlap, within `entries`, prizes positive and never rising "
        "with a worse place, together at most the entry fees; default a typical GPP of `entries` and `entry_fee`",
    )
    payout_csv: str | None = Field(
        default=None, max_length=50_000,
        description="the same prizes as the text of a payout CSV, rows `first_place,last_place,prize` (a header "
        "row allowed, `$` and thousands commas in quoted prizes read), as the command line's --payout file; "
        "instead of `payout`, by the same rules",
    )

    @model_validator(mode="after")
    def _payout_is_a_table(self) -> ContestConfig:
        """The payout rows make a `PayoutTable` (its rules, in one place): built now, so a bad table is a 422."""
        refusals = _Refusals()
        if self.payout is not None and self.payout_csv is not None:
            refusals.add(("payout_csv",), "give the payout as rows (payout) or as a CSV (payout_csv), not both", None)
        elif self.payout is not None or self.payout_csv is not None:
            try:
                self.payout_table()
            except ContestError as error:
                refusals.add(("payout" if self.payout is not None else "payout_csv",), str(error), None)
        refusals.raise_any(type(self).__name__)
        return self

    def payout_table(self) -> PayoutTable:
        """The contest's payout table: its `payout` rows or `payout_csv`, else a typical GPP of its entries and
        entry fee."""
        if self.payout_csv is not None:
            return PayoutTable.from_csv(self.payout_csv, entries=self.entries, entry_fee=self.entry_fee)
        if self.payout is None:
            return PayoutTable.gpp(entries=self.entries, entry_fee=self.entry_fee)
        rows = [(row.first_place, row.last_place, row.prize) for row in self.payout]
        return PayoutTable.from_rows(rows, entries=self.entries, entry_fee=self.entry_fee)


class EntryContestConfig(_Strict):
    """One contest of the entries file, as the player knows it; what is left out comes from the file (the
    entry fee) or from the request's `contest` (size, payout rows, field, evaluation scenarios)."""

    entries: Int | None = Field(default=None, ge=200, le=MAX_ENTRIES,
                                description="entries in the contest, all players' (default: `contest.entries`)")
    entry_fee: Float | None = Field(default=None, gt=0, le=MAX_ENTRY_FEE,
                                    description="dollars (default: the file's Entry Fee for this contest)")
    payout: list[PayoutRow] | None = Field(
        default=None, min_length=1, max_length=MAX_PAYOUT_ROWS,
        description="the contest's prizes as rows `{first_place, last_place, prize}`, the rules of "
        "`contest.payout` (default: `contest.payout` if given, else a typical GPP of this contest's size and fee)",
    )


@dataclass(frozen=True)
class ContestPlan:
    """A contest of the entries file and the contest its portfolio is solved and judged in: one lineup per
    entry row, distinct within the contest."""

    contest: EntryContest
    config: ContestConfig

    @property
    def n_lineups(self) -> int:
        return len(self.contest.entry_ids)

    def label(self) -> str:
        return f"contest {self.contest.contest_id} ({self.contest.name})"


def entry_plans(
    entries: EntriesFile, overrides: Mapping[str, EntryContestConfig], default: ContestConfig
) -> list[ContestPlan]:
    """Each contest of the file in file order, with its size and payout from `overrides[contest id]`, else
    `default`'s, and its entry fee from the override, else the file. A contest the rules refuse (payout
    rows that do not fit, more entry rows than DraftKings lets one player hold) is a `ContestError`
    naming it; an override for a contest not in the file is one too."""
    known = {contest.contest_id for contest in entries.contests}
    unknown = [contest_id for contest_id in overrides if contest_id not in known]
    if unknown:
        raise ContestError(f"contests {', '.join(map(repr, unknown))} are not in the entries file, which holds "
                           f"{', '.join(sorted(known))}")
    plans = []
    for contest in entries.contests:
        override = overrides.get(contest.contest_id) or EntryContestConfig()
        label = f"contest {contest.contest_id} ({contest.name})"
        if len(contest.entry_ids) > MAX_LINEUPS:
            raise ContestError(f"{label}: {len(contest.entry_ids)} entries, at most {MAX_LINEUPS} a contest")
        payout = override.payout if override.payout is not None else default.payout
        values = {
            "entries": override.entries if override.entries is not None else default.entries,
            "entry_fee": override.entry_fee if override.entry_fee is not None else contest.entry_fee,
            "field": default.field,
            "evaluation_scenarios": default.evaluation_scenarios,
            "payout": [row.model_dump() for row in payout] if payout is not None else None,
            "payout_csv": default.payout_csv if override.payout is None else None,
        }
        try:
            config = ContestConfig.model_validate(values)
        except ValidationError as error:
            raise ContestError(f"{label}: " + "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'contest'}: {e['msg']}" for e in error.errors())) from None
        if config.entries <= len(contest.entry_ids):
            raise ContestError(f"{label}: a contest of {config.entries} entries cannot hold the file's "
                               f"{len(contest.entry_ids)} and opponents")
        plans.append(ContestPlan(contest=contest, config=config))
    return plans


class OptimizeRequest(RequestBody):
    """An optimization: a slate (stored, by `slate_id`, or inline as `race` and `drivers`), the scenarios,
    the portfolio's rules and the contest. Everything decidable without a stored slate is checked at submit."""

    slate_id: str | None = Field(
        default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$",
        description="a stored slate (POST /api/v1/slates); not read at submit: an unknown id, or controls that "
        "do not fit the slate, fail the run with the reason in the job",
    )
    race: Race | None = Field(default=None, description="the race of an inline slate; required with `drivers`")
    drivers: list[InlineDriver] = Field(
        default_factory=list, max_length=MAX_DRIVERS,
        description=f"an inline slate: {ROSTER_SIZE} … {MAX_DRIVERS} drivers, no name (after aliases_csv), DK id or "
        "start twice, starts 1 … the number of drivers, a lineup under the cap",
    )
    scenario_config: ScenarioConfig = Field(default_factory=ScenarioConfig,
                                            description="the simulated races the portfolio is solved on")
    portfolio: PortfolioConfig = Field(default_factory=PortfolioConfig,
                                       description="lineup count and the rules of every lineup")
    contest: ContestConfig = Field(default_factory=ContestConfig,
                                   description="the contest the portfolio is solved for and judged in")
    projections_csv: str | None = Field(
        default=None,
        max_length=50_000,
        description="your own projections: CSV with a driver column (Name, or ID as DraftKings gives it), "
        "Projection (DK points) and optionally Ceiling (the 85th percentile of his DK points); the race model's "
        "strengths (and, for a ceiling, dominance tilts) are shifted so its mean points (and ceilings) match them",
    )
    ownership_csv: str | None = Field(
        default=None,
        max_length=50_000,
        description="your projected ownership: CSV with a driver column (Name, or ID as DraftKings gives it) and "
        "Ownership (percent of lineups, e.g. 23.5); the field the portfolio is solved and judged against is drawn "
        "so each driver is owned as given (contest.field is then not used)",
    )
    strict_names: bool = Field(
        default=False, strict=True,
        description="fail the run when a driver has no result in the slate's series, instead of racing them with "
        "the newcomer prior",
    )
    aliases_csv: str | None = Field(
        default=None,
        max_length=50_000,
        description="for inline drivers: CSV with columns Name (as the results spell a driver) and Alias (the "
        "spelling used in `drivers`)",
    )
    entries_csv: str | None = Field(
        default=None,
        max_length=MAX_ENTRIES_CSV,
        description="DraftKings' entries file (DKEntries.csv) as downloaded: header `Entry ID,Contest Name,Contest "
        "ID,Entry Fee,D,D,D,D,D,D`, one row per entry, DraftKings' instructions and player list to the right. One "
        "portfolio is built per contest in it, a lineup per entry row (`portfolio.n_lineups` is not used), and "
        "the result carries the file filled (`entries_csv`, also GET /api/v1/jobs/{run_id}/entries.csv). The "
        "player list's IDs must be the slate's DK ids",
    )
    contests: dict[Annotated[str, Field(pattern=r"^[0-9]{1,20}$")], EntryContestConfig] = Field(
        default_factory=dict, max_length=MAX_CONTESTS,
        description="with `entries_csv`: contest id → its size, entry fee and payout rows; a contest left out "
        "takes `contest.entries` and `contest.payout` with the file's Entry Fee",
    )
    exposure_across_contests: bool = Field(
        default=False, strict=True,
        description="with `entries_csv`: count `portfolio.max_exposure` and `driver_max_exposure` over all the "
        "file's lineups instead of each contest's own (contests are solved in file order, each given the "
        "exposure the earlier ones left); min exposures hold in every contest",
    )

    @model_validator(mode="after")
    def _one_slate(self) -> OptimizeRequest:
        if self.slate_id is None and not self.drivers:
            raise ValueError("give either slate_id (a stored slate) or drivers with race (an inline slate)")
        if self.drivers and self.slate_id is not None:
            raise ValueError("give slate_id or inline drivers, not both")
        if self.drivers and self.race is None:
            raise ValueError("inline drivers need race (track, date, laps)")
        if self.drivers and len(self.drivers) < ROSTER_SIZE:
            raise ValueError(f"an inline slate needs at least {ROSTER_SIZE} drivers")
        if self.aliases_csv is not None:
            if not self.drivers:
                raise ValueError("aliases_csv applies to inline drivers; a stored slate took its aliases at upload")
            try:
                read_aliases(self.aliases_csv)  # a malformed file is refused here, not in the run
            except SlateError as error:
                refusals = _Refusals()
                refusals.add(("aliases_csv",), str(error))
                refusals.raise_any(type(self).__name__)
        return self

    def entries(self) -> EntriesFile | None:
        """The entries file read (checked at submit, so it reads)."""
        return read_entries(self.entries_csv) if self.entries_csv is not None else None

    def entry_plans(self) -> list[ContestPlan]:
        """The contests of the entries file, each with the contest it is solved in (`entry_plans`)."""
        entries = self.entries()
        return entry_plans(entries, self.contests, self.contest) if entries is not None else []

    def contest_portfolio(self, plan: ContestPlan) -> PortfolioConfig:
        """The portfolio controls of one contest of the file: the request's, with its number of entries."""
        return self.portfolio.model_copy(update={"n_lineups": plan.n_lineups})

    @model_validator(mode="after")
    def _entries_file_can_run(self) -> OptimizeRequest:
        """The entries file reads, its contests' settings fit, and the controls fit each contest's number of
        lineups: what its run would find, found now."""
        refusals = _Refusals()
        if self.entries_csv is None:
            if self.contests:
                refusals.add(("contests",), "contests apply to the contests of an entries_csv; give one", None)
            if self.exposure_across_contests:
                refusals.add(("exposure_across_contests",), "applies to the contests of an entries_csv; give one",
                             True)
            refusals.raise_any(type(self).__name__)
            return self
        try:
            entries = read_entries(self.entries_csv)
        except EntriesError as error:
            for problem in error.problems:
                refusals.add(("entries_csv",), problem)
            refusals.raise_any(type(self).__name__)
            return self
        try:
            plans = entry_plans(entries, self.contests, self.contest)
        except ContestError as error:
            refusals.add(("contests",), str(error))
            refusals.raise_any(type(self).__name__)
            return self
        for plan in plans:
            try:
                PortfolioConfig.model_validate({**self.portfolio.model_dump(), "n_lineups": plan.n_lineups})
            except ValidationError as error:
                for e in error.errors():
                    refusals.add(("portfolio", *e["loc"]), f"{plan.label()}, {plan.n_lineups} lineups: {e['msg']}")
        if self.drivers:
            aliases = read_aliases(self.aliases_csv) if self.aliases_csv else None
            strangers = slate_mismatch(entries, [(apply_aliases(d.name, aliases), d.dk_id) for d in self.drivers])
            if strangers:
                refusals.add(("entries_csv",), f"the entries file's player list lacks the DK ids of "
                             f"{len(strangers)} slate drivers ({', '.join(strangers[:5])}"
                             f"{', …' if len(strangers) > 5 else ''}): the file is of another slate")
        refusals.raise_any(type(self).__name__)
        return self

    @model_validator(mode="after")
    def _inline_slate_can_run(self) -> OptimizeRequest:
        """An inline slate keeps the slate rules, and the controls fit it: what its run would find, found now."""
        if not self.drivers or self.race is None:
            return self
        refusals = _Refusals()
        aliases = read_aliases(self.aliases_csv) if self.aliases_csv else None
        values = [(apply_aliases(d.name, aliases), d.dk_id, d.salary, d.start) for d in self.drivers]
        for problem in slate_problems(values, where=lambda i: f"drivers.{i}"):
            loc: tuple[str | int, ...] = ("drivers",)
            if problem.index is not None:
                loc = ("drivers", problem.index, problem.field or "name")
            refusals.add(loc, problem.message, values[problem.index][DRIVER_VALUE[problem.field]]
                         if problem.index is not None and problem.field else None)
        refusals.raise_any(type(self).__name__)
        # The slate the run builds (`pitwall.run.inline_slate`), and names matched as the run matches them.
        race = self.race
        slate = Slate(track=race.track, date=race.date, laps=race.laps, track_type=race.track_type,
                      series=race.series, entries=tuple(Entry(*driver) for driver in values))  # type: ignore[arg-type]
        if self.entries_csv is None:
            self._controls_fit(slate, self.portfolio, refusals)
        else:
            # Each contest of the entries file has its own number of lineups; the checks are made for each.
            for plan in self.entry_plans():
                found = _Refusals(prefix=f"{plan.label()}, {plan.n_lineups} lineups: ")
                self._controls_fit(slate, self.contest_portfolio(plan), found)
                refusals.errors += found.errors
        for field, read in (("projections_csv", read_projections), ("ownership_csv", ownership_percent)):
            text = getattr(self, field)
            if text:
                try:
                    read(text, slate)
                except SlateError as error:
                    refusals.add((field,), "; ".join(error.problems))
        refusals.raise_any(type(self).__name__)
        return self

    def _controls_fit(self, slate: Slate, config: PortfolioConfig, refusals: _Refusals) -> None:
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


# Where `slate_problems`' field names sit in a driver's values.
DRIVER_VALUE = {"name": 0, "dk_id": 1, "salary": 2, "start": 3}
