"""`pitwall calibrate`'s table states the model against each baseline the way the simulator's targets do."""

from __future__ import annotations

import datetime as dt

from pitwall.quality import METRICS, QualityReport, RaceQuality


def _race(model: dict[str, float], baseline: dict[str, float], naive: dict[str, float]) -> RaceQuality:
    return RaceQuality(date=dt.date(2024, 3, 3), track="Las Vegas Motor Speedway", track_type="intermediate",
                       drivers=36, actual_leader_share=0.4, model=model, baseline=baseline, naive=naive)


def test_errors_change_in_percent_and_scores_by_their_difference() -> None:
    model = {name: 1.0 for name in METRICS} | {"points_mae": 18.4, "win_brier": 0.0246, "points_rank_corr": 0.31,
                                             "finish_loglik": -97.0, "leader_share": 0.42,
                                             "leader_share_abs_error": 0.1}
    baseline = dict(model) | {"points_mae": 20.0, "win_brier": 0.0256, "points_rank_corr": 0.0,
                              "finish_loglik": -98.5, "leader_share": 0.40}
    naive = {"points_mae": 19.6, "points_rank_corr": 0.2}
    report = QualityReport(series="Cup", train=(2019, 2023), test=2024, scenarios=100,
                           races=[_race(model, baseline, naive)])
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ") for line in report.table().splitlines()
            if line.startswith("| ")}
    assert rows["points_mae"][-2:] == ["-8.0%", "-6.1% |"]  # 18.4 against 20.0 and 19.6
    assert rows["win_brier"][-2] == "-3.9%"
    assert rows["points_rank_corr"][-2:] == ["+0.310", "+0.110 |"]
    assert rows["finish_loglik"][-2:] == ["+1.500", " |"]  # no trailing-average figure for the finishing order
