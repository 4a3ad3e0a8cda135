"""What a user asks pitwall to optimize: a slate (stored, or inline), scenario and portfolio settings.

Validated once at the edge; the job record keeps the validated form, and the flow reads it from there.
Whatever can be decided without the knowledge graph is decided here, so a request that cannot succeed is
refused at submit (a 422 naming the field) instead of failing in its run: numbers are JSON numbers of the
right kind (no booleans, no strings, no 1.0 for a count); an inline slate keeps the slate rules of
`pitwall.slate.slate_problems`, the same ones a salary CSV upload keeps; and the portfolio controls must
name drivers of the inline slate and be satisfiable on it. A stored slate (`slate_id`) is not read at
submit: the run checks the controls against it and fails, with the reason in the job, when they conflict.

The request is split by reason to change: `limits` (every bound of a request), `validation` (how bad input
is refused), `slate` (an inline slate's drivers and race), `scenarios`, `portfolio` (the controls), `contest`
(size, fee, field, payout), `entries` (the entries file's contest plans), `checks` (what is decided at submit
across fields) and `optimize` (the request itself). Every public name is importable from here.
"""

from pitwall.request.contest import ContestConfig, EntryContestConfig, PayoutRow
from pitwall.request.entries import ContestPlan, entry_plans
from pitwall.request.limits import (
    MAX_DRIVERS,
    MAX_ENTRIES,
    MAX_ENTRIES_CSV,
    MAX_ENTRY_FEE,
    MAX_GROUPS,
    MAX_LINEUPS,
    MAX_PAYOUT_ROWS,
    MAX_SCENARIOS,
)
from pitwall.request.optimize import OptimizeRequest
from pitwall.request.portfolio import GroupRule, PortfolioConfig, group_label, group_problems
from pitwall.request.scenarios import ScenarioConfig
from pitwall.request.slate import DRIVER_VALUE, InlineDriver, Race
from pitwall.request.validation import Float, Int, RequestBody

__all__ = [
    "DRIVER_VALUE", "MAX_DRIVERS", "MAX_ENTRIES", "MAX_ENTRIES_CSV", "MAX_ENTRY_FEE", "MAX_GROUPS", "MAX_LINEUPS",
    "MAX_PAYOUT_ROWS", "MAX_SCENARIOS", "ContestConfig", "ContestPlan", "EntryContestConfig", "Float", "GroupRule",
    "InlineDriver", "Int", "OptimizeRequest", "PayoutRow", "PortfolioConfig", "Race", "RequestBody", "ScenarioConfig",
    "entry_plans", "group_label", "group_problems",
]
