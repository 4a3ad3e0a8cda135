"""The contest of a request: its size, fee, simulated field and payout, and a contest of an entries file as
the player overrides it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pitwall.contest.errors import ContestError
from pitwall.contest.field import DEFAULT_STYLE
from pitwall.contest.payout import PayoutTable
from pitwall.request.limits import MAX_ENTRIES, MAX_ENTRY_FEE, MAX_PAYOUT_ROWS, MAX_SCENARIOS
from pitwall.request.validation import Float, Int, Refusals, StrictModel


class PayoutRow(StrictModel):
    """Places first_place … last_place of the contest each win prize dollars."""

    first_place: Int = Field(ge=1, le=MAX_ENTRIES, description="the row's first (best) place, from 1")
    last_place: Int = Field(ge=1, le=MAX_ENTRIES, description="the row's last place, at least first_place and "
                            "at most the contest's entries")
    prize: Float = Field(gt=0, le=MAX_ENTRIES * MAX_ENTRY_FEE, description="dollars won by each of these places")


class ContestConfig(StrictModel):
    """The tournament the portfolio is solved for and judged in: its size, fee, field and payout."""

    entries: Int = Field(default=10_000, ge=200, le=MAX_ENTRIES, description="lineups in the contest, yours included")
    entry_fee: Float = Field(default=20.0, gt=0, le=MAX_ENTRY_FEE, description="dollars per lineup")
    field: Literal["sharp", "weak"] = Field(
        default=DEFAULT_STYLE,
        description="the simulated opponents when no ownership file is given: weak (the default: loose picks, at "
        "least $46,500) or sharp (they follow projections and value closely and spend at least $49,000); see "
        "docs/portfolio.md and docs/backtest.md",
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
        refusals = Refusals()
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


class EntryContestConfig(StrictModel):
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
