"""The quality report: how well calibrated simulations predict held-out races.

Every race of the test season is simulated from a model calibrated only on races before
it (from the first training season on), and compared with what happened, next to a
start-position-only baseline fitted on the training seasons. Metrics:

* `finish_loglik` — mean log-likelihood of the actual finishing order per race, exact:
  the sum over every possible DNF split of P(those drivers fail) × Plackett–Luce
  probability of the finishers' order × that of the DNFs' order (higher is better);
* `win_brier`, `top5_brier` — Brier score per driver and race of the simulated
  probability of winning / finishing top 5 (lower is better);
* `points_mae` — mean absolute error of simulated expected DK points per driver;
* `points_rank_corr` — per-race Spearman correlation of simulated expected DK points with
  the actual ones (higher is better): does the model rank the field's scores;
* `leader_share_error` — calibration of laps-led concentration: per track type, the gap
  between the mean simulated and the mean actual share of laps led by each race's top
  leader, averaged over types weighted by their races (lower is better). A single race's
  top share is mostly luck, so the per-race absolute error is shown alongside by type
  but is not the headline figure.

The two points metrics are also reported for the naive projection every player has: each
driver's plain average of DK points over his last 16 races in the series (a driver with
none gets the field's mean of those averages).

A race's laps are the laps it ran, as the data records no scheduled distance.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.special import logsumexp
from scipy.stats import spearmanr

from pitwall.calibration import calibrate, fit_start_only
from pitwall.history import History, slate_from_race, trailing_average
from pitwall.simulation import RaceModel, simulate

METRICS = ("finish_loglik", "win_brier", "top5_brier", "points_mae", "points_rank_corr", "leader_share_error")
HIGHER_IS_BETTER = {"finish_loglik", "points_rank_corr"}
# The metrics the naive projection (trailing average of DK points) has too.
NAIVE_METRICS = ("points_mae", "points_rank_corr")
NAIVE_RACES = 16


def order_loglik(strength: np.ndarray, dnf: np.ndarray, order: np.ndarray) -> float:
    """Exact log-probability of a finishing order (`order[j]` = index of the driver in
    position j + 1) when finishers follow Plackett–Luce, DNFs follow it among themselves,
    and every driver fails independently with probability `dnf`."""
    theta = np.asarray(strength, dtype=np.float64)[order]
    p = np.clip(np.asarray(dnf, dtype=np.float64)[order], 1e-12, 1 - 1e-12)
    n = len(order)
    terms = []
    for head in range(n + 1):  # the first `head` drivers finished, the rest did not
        log_fate = np.log1p(-p[:head]).sum() + np.log(p[head:]).sum()
        terms.append(log_fate + _pl_loglik(theta[:head]) + _pl_loglik(theta[head:]))
    return float(logsumexp(terms))


def _pl_loglik(theta: np.ndarray) -> float:
    if len(theta) < 2:
        return 0.0
    remaining = np.logaddexp.accumulate(theta[::-1])[::-1]
    return float((theta - remaining).sum())


@dataclass
class RaceQuality:
    date: dt.date
    track: str
    track_type: str
    drivers: int
    actual_leader_share: float
    model: dict[str, float]
    baseline: dict[str, float]
    naive: dict[str, float] = field(default_factory=dict)


@dataclass
class QualityReport:
    series: str
    train: tuple[int, int]
    test: int
    scenarios: int
    races: list[RaceQuality] = field(default_factory=list)
    # Races of the test season left out for want of a track type (venue → races).
    skipped: dict[str, int] = field(default_factory=dict)

    def metrics(self) -> dict[str, dict[str, float]]:
        """Each metric averaged over races (Brier and MAE per driver, weighting races by field size)."""
        out = {}
        for name in METRICS[:-1]:
            weights = np.array(
                [r.drivers if name in ("win_brier", "top5_brier", "points_mae") else 1.0 for r in self.races]
            )
            sides = ("model", "baseline", "naive") if name in NAIVE_METRICS else ("model", "baseline")
            out[name] = {
                side: float(np.average([getattr(r, side)[name] for r in self.races], weights=weights))
                for side in sides
            }
        by_type = self.leader_share_by_type()
        total = sum(row["races"] for row in by_type.values())
        out["leader_share_error"] = {
            side: float(sum(row["races"] * abs(row[side] - row["actual"]) for row in by_type.values()) / total)
            for side in ("model", "baseline")
        }
        return out

    def leader_share_by_type(self) -> dict[str, dict[str, float]]:
        """Mean top-leader share per track type: actual, and simulated by each model."""
        groups: dict[str, list[RaceQuality]] = defaultdict(list)
        for race in self.races:
            groups[race.track_type].append(race)
        return {
            kind: {
                "races": len(rs),
                "actual": float(np.mean([r.actual_leader_share for r in rs])),
                "model": float(np.mean([r.model["leader_share"] for r in rs])),
                "baseline": float(np.mean([r.baseline["leader_share"] for r in rs])),
                "model_error": float(np.mean([r.model["leader_share_abs_error"] for r in rs])),
                "baseline_error": float(np.mean([r.baseline["leader_share_abs_error"] for r in rs])),
            }
            for kind, rs in sorted(groups.items())
        }

    def _skipped_text(self) -> str:
        return ", ".join(f"{races} at {venue}" for venue, races in sorted(self.skipped.items()))

    def to_json(self) -> dict:
        return {
            "races": len(self.races),
            "metrics": self.metrics(),
            "series": self.series,
            "train": list(self.train),
            "test": self.test,
            "scenarios": self.scenarios,
            "skipped_races": self.skipped,
            "leader_share_by_track_type": self.leader_share_by_type(),
            "per_race": [
                {**asdict(r), "date": r.date.isoformat()} for r in self.races
            ],
        }

    def table(self) -> str:
        """The report as Markdown tables."""
        lines = [
            f"{self.series} {self.test}: {len(self.races)} races, each simulated {self.scenarios:,} times "
            f"from races before it (training from {self.train[0]}); baseline: start position only, "
            f"fitted on {self.train[0]}–{self.train[1]}."
            + (f" Left out for want of a track type: {self._skipped_text()}." if self.skipped else ""),
            "",
            "| metric | model | start-only baseline | trailing 16-race average | best | model vs start-only "
            "| model vs trailing |",
            "|---|---:|---:|---:|---|---:|---:|",
        ]
        for name, sides in self.metrics().items():
            pick = max if name in HIGHER_IS_BETTER else min
            best = pick(sides, key=sides.get)
            naive = f"{sides['naive']:.4f}" if "naive" in sides else ""
            against_naive = _change(name, sides["model"], sides["naive"]) if "naive" in sides else ""
            lines.append(f"| {name} | {sides['model']:.4f} | {sides['baseline']:.4f} | {naive} | {best} "
                         f"| {_change(name, sides['model'], sides['baseline'])} | {against_naive} |")
        lines += [
            "",
            "| track type | races | actual top-leader share | model | baseline | model per-race MAE | baseline per-race MAE |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for kind, row in self.leader_share_by_type().items():
            lines.append(
                f"| {kind} | {row['races']} | {row['actual']:.3f} | {row['model']:.3f} | {row['baseline']:.3f} "
                f"| {row['model_error']:.3f} | {row['baseline_error']:.3f} |"
            )
        return "\n".join(lines)


def _rank_corr(projected: np.ndarray, actual: np.ndarray) -> float:
    return float(spearmanr(projected, actual).statistic)


def _naive(history: History, series: str, slate, actual) -> dict[str, float]:
    projected = trailing_average(history, series, slate.date, slate.dk_ids.tolist(), races=NAIVE_RACES)
    projected = np.where(np.isnan(projected), np.nanmean(projected), projected)
    return {
        "points_mae": float(np.mean(np.abs(projected - actual.points))),
        "points_rank_corr": _rank_corr(projected, actual.points),
    }


def _score(model: RaceModel, n_scenarios: int, seed: int, actual, order: np.ndarray) -> dict[str, float]:
    scenarios = simulate(model, n_scenarios, seed)
    win = (scenarios.finish == 1).mean(axis=0)
    top5 = (scenarios.finish <= 5).mean(axis=0)
    leader_share = float((scenarios.laps_led.max(axis=1) / model.laps).mean())
    actual_share = actual.laps_led.max() / model.laps
    return {
        "finish_loglik": order_loglik(model.strength, model.dnf, order),
        "win_brier": float(np.mean((win - (actual.finish == 1)) ** 2)),
        "top5_brier": float(np.mean((top5 - (actual.finish <= 5)) ** 2)),
        "points_mae": float(np.mean(np.abs(scenarios.points.mean(axis=0) - actual.points))),
        "points_rank_corr": _rank_corr(scenarios.points.mean(axis=0), actual.points),
        "leader_share": leader_share,
        "leader_share_abs_error": float(abs(leader_share - actual_share)),
    }


def quality_report(
    history: History,
    *,
    series: str = "Cup",
    train: tuple[int, int] = (2019, 2023),
    test: int = 2024,
    n_scenarios: int = 4000,
    seed: int = 2024,
    progress=None,
) -> QualityReport:
    """Score calibrated simulations of every `test`-season race against the baseline."""
    if not train[0] <= train[1] < test:
        raise ValueError(f"training seasons {train[0]}–{train[1]} must come before the test season {test}")
    first = dt.date(train[0], 1, 1)
    baseline = fit_start_only(history, series, first, dt.date(train[1], 12, 31))
    races = history.races_of(series, start=dt.date(test, 1, 1), end=dt.date(test, 12, 31))
    if not races:
        raise ValueError(f"no {series} races in {test}")
    # Calibration sees the training seasons and the test season up to each race, nothing older.
    train_history = history.since(first)
    skipped: dict[str, int] = {}
    for skipped_series, date, venue in history.skipped:
        if skipped_series == series and date.year == test:
            skipped[venue] = skipped.get(venue, 0) + 1
    report = QualityReport(series=series, train=train, test=test, scenarios=n_scenarios, skipped=skipped)
    for number, race in enumerate(races):
        slate, actual = slate_from_race(history, series, race.date, race.track)
        order = np.argsort(actual.finish, kind="stable")
        model = calibrate(train_history, slate)
        report.races.append(
            RaceQuality(
                date=race.date,
                track=race.track,
                track_type=model.track_type,
                drivers=len(slate.entries),
                actual_leader_share=float(actual.laps_led.max() / slate.laps),
                model=_score(model, n_scenarios, seed + number, actual, order),
                baseline=_score(baseline.model(slate), n_scenarios, seed + number, actual, order),
                naive=_naive(train_history, series, slate, actual),
            )
        )
        if progress is not None:
            progress(number + 1, len(races))
    return report


def _change(metric: str, model: float, other: float) -> str:
    """The model's value against another's as the simulator's targets state it: an error (MAE, Brier,
    leader share) in percent of the other's (points MAE 8% lower), a score that is better higher (rank
    correlation, log-likelihood) as the difference (rank correlation 0.05 higher)."""
    if metric in HIGHER_IS_BETTER:
        return f"{model - other:+.3f}"
    return f"{(model - other) / abs(other):+.1%}" if other else ""
