"""A simulated tournament: the opponents' lineups, the payout table, and how a portfolio fares.

The contest is split where its parts change for different reasons:

- `payout`: prizes by place (`PayoutTable`, DraftKings-style GPPs, payout files).
- `field`: the ownership model and the opponents drawn from it (`sample_field`, `Field`,
  `FieldStyle`); its docstring explains the model.
- `scoring`: the exact contest, every lineup's score, place and prize with ties and
  weighted opponents (`contest_payouts`); its docstring explains contest size and ties.
- `evaluation`: a portfolio's metrics over scenarios (`evaluate`, `Metrics`).
- `errors`: `ContestError`, shared by all of them.

Every public name is importable from `pitwall.contest` itself, as before the split.
"""

from pitwall.contest.errors import ContestError
from pitwall.contest.evaluation import Metrics, evaluate, mean_overlap
from pitwall.contest.field import (
    DEFAULT_STYLE,
    FIELD_STYLES,
    MAX_LEAN,
    MIN_LEGAL,
    PROBE,
    SHARP,
    WEAK,
    Field,
    FieldStyle,
    field_pull,
    sample_field,
)
from pitwall.contest.payout import PayoutTable
from pitwall.contest.scoring import MATMUL_FROM, SCORE_STEPS_PER_POINT, contest_payouts, lineup_scores, quantized

__all__ = [
    "DEFAULT_STYLE",
    "FIELD_STYLES",
    "MATMUL_FROM",
    "MAX_LEAN",
    "MIN_LEGAL",
    "PROBE",
    "SCORE_STEPS_PER_POINT",
    "SHARP",
    "WEAK",
    "ContestError",
    "Field",
    "FieldStyle",
    "Metrics",
    "PayoutTable",
    "contest_payouts",
    "evaluate",
    "field_pull",
    "lineup_scores",
    "mean_overlap",
    "quantized",
    "sample_field",
]
