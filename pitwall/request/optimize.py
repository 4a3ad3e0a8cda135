"""The optimize request: a slate (stored or inline), the scenarios, the portfolio's controls and the contest,
with the checks that decide at submit what its run would find (`pitwall.request.checks`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from pitwall.dkentries import MAX_CONTESTS, EntriesFile, read_entries
from pitwall.request.checks import refuse_entries_file_that_cannot_run, refuse_inline_slate_that_cannot_run
from pitwall.request.contest import ContestConfig, EntryContestConfig
from pitwall.request.entries import ContestPlan, entry_plans
from pitwall.request.limits import MAX_DRIVERS, MAX_ENTRIES_CSV
from pitwall.request.portfolio import PortfolioConfig
from pitwall.request.scenarios import ScenarioConfig
from pitwall.request.slate import InlineDriver, Race
from pitwall.request.validation import Refusals, RequestBody
from pitwall.rules import ROSTER_SIZE
from pitwall.slate import SlateError, read_aliases


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
                refusals = Refusals()
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
        refuse_entries_file_that_cannot_run(self)
        return self

    @model_validator(mode="after")
    def _inline_slate_can_run(self) -> OptimizeRequest:
        """An inline slate keeps the slate rules, and the controls fit it: what its run would find, found now."""
        refuse_inline_slate_that_cannot_run(self)
        return self
