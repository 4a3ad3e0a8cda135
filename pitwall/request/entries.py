"""The entries file's contest plans: each contest of a DKEntries file with the contest its portfolio is
solved and judged in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from pitwall.contest.errors import ContestError
from pitwall.dkentries import EntriesFile, EntryContest
from pitwall.request.contest import ContestConfig, EntryContestConfig
from pitwall.request.limits import MAX_LINEUPS


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
