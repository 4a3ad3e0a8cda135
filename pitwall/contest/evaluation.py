"""How a portfolio fares over scenarios: the metrics that reports and benchmarks read.

Apart from scoring because it only summarizes the contest's prizes and places (ROI, top
1%, win, cash, exposure, overlap): adding a metric never touches how the contest ranks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pitwall.contest.errors import ContestError
from pitwall.contest.field import Field
from pitwall.contest.payout import PayoutTable
from pitwall.contest.scoring import contest_payouts, lineup_scores
from pitwall.rules import ROSTER_SIZE


@dataclass(frozen=True)
class Metrics:
    """How a portfolio fares over scenarios: per lineup arrays and portfolio totals."""

    scenarios: int
    scenario_seed: int | None
    field_style: str
    field_size: int
    contest_entries: int
    entry_fee: float
    first_prize: float
    paid_places: int
    prize_pool: float
    lineup_roi: np.ndarray
    lineup_top1: np.ndarray
    lineup_win: np.ndarray
    lineup_cash: np.ndarray
    lineup_mean: np.ndarray
    lineup_ownership: np.ndarray  # product of the field's ownership of the lineup's six drivers
    lineup_duplicates: np.ndarray  # opponents expected to hold the same six drivers (field copies × weight)
    field_ownership: np.ndarray  # share of field lineups holding each driver
    roi: float
    roi_se: float
    top1_rate: float
    top1_se: float
    any_top1_rate: float
    win_rate: float
    cash_rate: float
    expected_best: float
    exposures: np.ndarray
    mean_overlap: float
    scenario_roi: np.ndarray  # the portfolio's ROI in each scenario, for paired comparisons
    scenario_top1: np.ndarray  # share of its lineups in the top 1%, per scenario

    def summary(self, names: Sequence[str] | None = None) -> dict:
        """Plain JSON-ready numbers."""
        def name(i: int) -> str:
            return names[i] if names is not None else str(i)

        exposures = {name(i): round(float(e), 4) for i, e in enumerate(self.exposures) if e > 0}
        owned = {name(i): round(float(o), 4) for i, o in enumerate(self.field_ownership) if o > 0}
        return {
            "scenarios": self.scenarios,
            "scenario_seed": self.scenario_seed,
            "field": {"style": self.field_style, "lineups": self.field_size,
                      "ownership": dict(sorted(owned.items(), key=lambda kv: -kv[1]))},
            "contest": {"entries": self.contest_entries, "entry_fee": self.entry_fee,
                        "first_prize": round(self.first_prize, 2), "paid_places": self.paid_places,
                        "prize_pool": round(self.prize_pool, 2)},
            "roi": round(self.roi, 4),
            "roi_se": round(self.roi_se, 4),
            "top1_rate": round(self.top1_rate, 5),
            "top1_se": round(self.top1_se, 5),
            "any_top1_rate": round(self.any_top1_rate, 5),
            "win_rate": round(self.win_rate, 5),
            "cash_rate": round(self.cash_rate, 5),
            "expected_best_score": round(self.expected_best, 2),
            "mean_overlap": round(self.mean_overlap, 3),
            "exposures": dict(sorted(exposures.items(), key=lambda kv: -kv[1])),
            "lineups": [
                {
                    "roi": round(float(r), 4),
                    "top1_rate": round(float(t), 5),
                    "win_rate": round(float(w), 5),
                    "cash_rate": round(float(c), 5),
                    "mean_points": round(float(m), 2),
                    "ownership_product": float(f"{o:.4g}"),
                    "field_duplicates": round(float(d), 2),
                }
                for r, t, w, c, m, o, d in zip(
                    self.lineup_roi, self.lineup_top1, self.lineup_win, self.lineup_cash, self.lineup_mean,
                    self.lineup_ownership, self.lineup_duplicates,
                )
            ],
        }


def mean_overlap(lineups: np.ndarray, n_drivers: int) -> float:
    """Mean number of drivers two lineups of the portfolio share."""
    lineups = np.asarray(lineups, dtype=np.intp)
    if len(lineups) < 2:
        return 0.0
    holds = np.zeros((len(lineups), n_drivers), dtype=np.int32)
    np.put_along_axis(holds, lineups, 1, axis=1)
    shared = holds @ holds.T
    upper = np.triu_indices(len(lineups), k=1)
    return float(shared[upper].mean())


def evaluate(
    lineups: np.ndarray,
    points: np.ndarray,
    field: Field,
    payout: PayoutTable,
    *,
    scenario_seed: int | None = None,
) -> Metrics:
    """Metrics of a portfolio over scenarios (`points`, scenarios × drivers).

    ROI is (prizes − fees) / fees, per lineup and for the portfolio as a whole. Top 1%,
    win and cash count a lineup whose place (after splitting ties) is in the top 1% of
    the contest, first, or paid. Standard errors are over scenarios. `scenario_seed` is
    only recorded, so reports can show the scenarios are not the ones solved on.
    """
    lineups = np.asarray(lineups, dtype=np.intp)
    if lineups.ndim != 2 or lineups.shape[1] != ROSTER_SIZE or not len(lineups):
        raise ContestError(f"lineups must be a non-empty n × {ROSTER_SIZE} array of driver indices")
    points = np.asarray(points)
    prize, ahead = contest_payouts(lineups, points, field, payout)
    n, n_scenarios = prize.shape
    fee = payout.entry_fee
    top1 = ahead < payout.top_places
    win = ahead < 1
    cash = prize > 0
    per_scenario_roi = (prize.sum(axis=0) - n * fee) / (n * fee)
    per_scenario_top1 = top1.mean(axis=0)
    se = np.sqrt(n_scenarios)
    scores = lineup_scores(lineups, points)
    owned = field.ownership(points.shape[1])
    return Metrics(
        scenarios=n_scenarios,
        scenario_seed=scenario_seed,
        field_style=field.style,
        field_size=field.size,
        contest_entries=payout.entries,
        entry_fee=fee,
        first_prize=payout.prizes[0],
        paid_places=payout.paid_places,
        prize_pool=payout.pool,
        lineup_roi=(prize.mean(axis=1) - fee) / fee,
        lineup_top1=top1.mean(axis=1),
        lineup_win=win.mean(axis=1),
        lineup_cash=cash.mean(axis=1),
        lineup_mean=scores.mean(axis=1),
        lineup_ownership=owned[lineups].prod(axis=1),
        lineup_duplicates=field.copies_of(lineups) * (payout.entries - n) / field.size,
        field_ownership=owned,
        roi=float(per_scenario_roi.mean()),
        roi_se=float(per_scenario_roi.std(ddof=1) / se) if n_scenarios > 1 else 0.0,
        top1_rate=float(per_scenario_top1.mean()),
        top1_se=float(per_scenario_top1.std(ddof=1) / se) if n_scenarios > 1 else 0.0,
        any_top1_rate=float(top1.any(axis=0).mean()),
        win_rate=float(win.mean()),
        cash_rate=float(cash.mean()),
        expected_best=float(scores.max(axis=0).mean()),
        exposures=np.bincount(lineups.ravel(), minlength=points.shape[1]) / n,
        mean_overlap=mean_overlap(lineups, points.shape[1]),
        scenario_roi=per_scenario_roi,
        scenario_top1=per_scenario_top1,
    )
