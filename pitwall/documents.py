"""The result document of a run: what a finished job answers, typed.

Built once, by the run's result step (`pitwall.run.build_result`); stored in Redis as its JSON
(`model_dump(mode="json")`), answered by the API's result endpoint as this model, and read by the run's
Prefect artifacts and the demo. The JSON field names are the ones clients have always read; every model
and field carries a description because they are shown in the API's OpenAPI document.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class _Document(BaseModel):
    # Read back from Redis and re-served as is: a field a newer writer added is ignored, never an error.
    model_config = ConfigDict(extra="ignore")


class RunSlate(_Document):
    """The slate the portfolio was built for."""

    slate_id: str | None = Field(description="Id of the stored slate (an inline slate is stored by the run)")
    series: str = Field(description="Series: Cup, O'Reilly or Trucks")
    track: str = Field(description="Track name")
    track_type: str = Field(description="Track type the race was simulated as (superspeedway, intermediate, short, road)")
    date: dt.date = Field(description="Race date")
    laps: int = Field(description="Scheduled laps")
    drivers: int = Field(description="Drivers on the slate")


class DriverWithoutHistory(_Document):
    """A slate driver with no result in the slate's series: raced with the newcomer prior."""

    driver: str = Field(description="Driver name as on the slate")
    reason: str = Field(description="Why the driver has no history here, e.g. which other series he raced in")
    similar: list[str] = Field(default_factory=list, description="Known names close to this one (a misspelling?)")


class RunLineup(_Document):
    """One lineup of the portfolio, with its metrics on the held-out evaluation scenarios."""

    drivers: list[str] = Field(description="The six drivers, by name")
    dk_ids: list[int] = Field(description="The six drivers' DraftKings ids, in the order of `drivers`")
    salary: int = Field(description="Total salary, dollars")
    projection: float = Field(description="Mean DraftKings points over the solving scenarios")
    roi: float = Field(description="Expected return on the entry fee: (prizes - fee) / fee")
    top1_rate: float = Field(description="Share of scenarios in which the lineup places in the top 1%")
    win_rate: float = Field(description="Share of scenarios in which the lineup wins the contest")
    cash_rate: float = Field(description="Share of scenarios in which the lineup wins a prize")
    mean_points: float = Field(description="Mean DraftKings points over the evaluation scenarios")
    # Optional only so results stored before these were reported still read back.
    ownership_product: float | None = Field(
        default=None,
        description="Product of the evaluation field's ownership (share of lineups) of the six drivers: how "
        "often the field would build this lineup if it picked drivers independently"
    )
    field_duplicates: float | None = Field(
        default=None,
        description="Opponents expected to enter exactly these six drivers: copies in the evaluation field, scaled "
        "to the contest when the field is sampled",
    )
    contest_id: str | None = Field(default=None, description="With an entries file: the contest the lineup enters")
    entry_id: str | None = Field(default=None, description="With an entries file: the entry row it fills")


class FieldSummary(_Document):
    """The simulated field of opponents."""

    style: str = Field(description="How opponents build lineups: sharp, weak, or ownership (fitted to the player's "
                       "ownership file)")
    lineups: int = Field(description="Opponent lineups sampled")
    ownership: dict[str, float] = Field(
        default_factory=dict,
        description="Driver name -> share of the field's lineups holding him, largest first (the evaluation field)",
    )


class ContestSummary(_Document):
    """The contest the portfolio enters."""

    entries: int = Field(description="Entries in the contest, the portfolio's included")
    entry_fee: float = Field(description="Entry fee per lineup, dollars")
    # Optional only so results stored before these were reported still read back.
    first_prize: float | None = Field(default=None, description="What first place wins, dollars")
    paid_places: int | None = Field(default=None, description="Places that win a prize")
    prize_pool: float | None = Field(default=None, description="All prizes together, dollars")


class ContestMetrics(_Document):
    """How the whole portfolio fares on scenarios and a field the solver never saw."""

    scenarios: int = Field(description="Evaluation scenarios (simulated races)")
    scenario_seed: int | None = Field(description="Seed the evaluation scenarios and field were drawn from")
    field: FieldSummary = Field(description="The field the portfolio was evaluated against")
    contest: ContestSummary = Field(description="The contest")
    roi: float = Field(description="Expected ROI of the portfolio")
    roi_se: float = Field(description="Standard error of the expected ROI")
    top1_rate: float = Field(description="Top-1% rate per lineup")
    top1_se: float = Field(description="Standard error of the top-1% rate")
    any_top1_rate: float = Field(description="Share of scenarios with at least one lineup in the top 1%")
    win_rate: float = Field(description="Win rate per lineup")
    cash_rate: float = Field(description="Cash rate per lineup")
    expected_best_score: float = Field(description="Mean over scenarios of the portfolio's best lineup score")
    mean_overlap: float = Field(description="Mean number of drivers two lineups share")


class SolverSummary(_Document):
    """What the solver did: candidates, pool, its field and its own (in-sample) estimate."""

    lineups: int = Field(description="Lineups chosen")
    candidates: int = Field(description="Salary-feasible lineups enumerated under the controls")
    pool: int = Field(description="Candidates scored scenario by scenario")
    solving_scenarios: int = Field(description="Scenarios the portfolio was solved on")
    seed: int = Field(description="Solving seed")
    field: FieldSummary = Field(description="The field the solver played against")
    in_sample_expected_roi: float = Field(
        description="The solver's own ROI estimate on its solving scenarios (optimistic; see `metrics` for the held-out one)"
    )
    timings: dict[str, float] = Field(description="Seconds per solver stage")


class EntryContestResult(_Document):
    """A contest of the entries file: its portfolio (a lineup per entry) and how it fares in that contest."""

    contest_id: str = Field(description="DraftKings' contest id, as in the file")
    name: str = Field(description="Contest name, as in the file")
    entry_fee: float = Field(description="Entry fee the contest was judged with, dollars")
    entries: int = Field(description="Entries in the contest, all players'")
    entry_ids: list[str] = Field(description="The file's entries in this contest, in file order")
    lineups: list[int] = Field(description="Indices into the result's `lineups` of this contest's lineups, one per "
                               "entry of `entry_ids`, in that order")
    metrics: ContestMetrics = Field(description="Contest metrics of this contest's portfolio on held-out scenarios")
    solver: SolverSummary = Field(description="The solver's summary for this contest")


class RunResult(_Document):
    """A finished run: the portfolio, its exposures and contest metrics, and the DraftKings upload CSV."""

    slate: RunSlate = Field(description="The slate")
    drivers_without_history: list[DriverWithoutHistory] = Field(
        default_factory=list, description="Drivers that raced with the newcomer prior, and why"
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="What the run did not take as given: projected drivers the race cannot match, drivers a "
        "projections file left out",
    )
    lineups: list[RunLineup] = Field(description="The portfolio's lineups, in the order the solver chose them")
    exposures: dict[str, float] = Field(description="Driver name -> share of the lineups holding him, largest first")
    metrics: ContestMetrics = Field(description="Contest metrics of the portfolio on held-out scenarios")
    solver: SolverSummary = Field(description="The solver's summary")
    timings: dict[str, float] = Field(description="Seconds per stage of the run")
    upload_csv: str = Field(description="The portfolio as DraftKings' upload CSV (header D,D,D,D,D,D, DK ids)")
    entry_contests: list[EntryContestResult] = Field(
        default_factory=list,
        description="With an entries file: each contest of it, in file order, with its own metrics and solver "
        "summary (the top-level `metrics` and `solver` are then the first contest's; `lineups` and `exposures` "
        "cover every contest)",
    )
    entries_csv: str | None = Field(
        default=None,
        description="With an entries file: the file as given with each entry row's six D cells filled, `Name (ID)` "
        "as DraftKings writes them, everything else unchanged; ready to upload",
    )
