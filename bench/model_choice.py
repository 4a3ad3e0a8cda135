"""Choices of the race model, made on earlier seasons and confirmed on a later one.

    .venv/bin/python bench/model_choice.py --seasons 2021 2022 2023 [--scenarios 1000] [--running 0 0.5 1 2]
        [--precision 1.5] [--dominance 0 0.5 1]

Each season is predicted from the seasons before it only (`pitwall.quality.quality_report`,
training from 2019), once per candidate value of `calibration.RUNNING_ORDER_WEIGHT` (and of
`calibration.SKILL_PRECISION`, the prior's pull toward an average driver, and of
`calibration.DOMINANCE_WEIGHT`, how far a driver's record of leading tilts his laps led). Choose on
2021–2023; then run `pitwall calibrate --train 2019-2023 --test 2024` once, with the choice
shipped, to confirm. Writes bench/out/model_choice.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pitwall import calibration
from pitwall.history import History
from pitwall.quality import quality_report

OUT = Path(__file__).resolve().parent / "out"
SHOWN = ("finish_loglik", "win_brier", "points_mae", "points_rank_corr", "leader_share_error")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seasons", type=int, nargs="+", default=[2021, 2022, 2023])
    parser.add_argument("--running", type=float, nargs="+", default=[0.0, 0.5, 1.0, 2.0])
    parser.add_argument("--precision", type=float, nargs="+", default=[calibration.SKILL_PRECISION])
    parser.add_argument("--dominance", type=float, nargs="+", default=[calibration.DOMINANCE_WEIGHT])
    parser.add_argument("--scenarios", type=int, default=1000)
    args = parser.parse_args()

    history = History.from_csv()
    rows = []
    choices = [(w, p, d) for w in args.running for p in args.precision for d in args.dominance]
    for weight, precision, dominance in choices:
        calibration.RUNNING_ORDER_WEIGHT, calibration.SKILL_PRECISION = weight, precision
        calibration.DOMINANCE_WEIGHT = dominance
        for season in args.seasons:
            report = quality_report(history, train=(2019, season - 1), test=season, n_scenarios=args.scenarios,
                                    seed=season)
            metrics = report.metrics()
            row = {"running_order_weight": weight, "skill_precision": precision, "dominance_weight": dominance,
                   "season": season,
                   "races": len(report.races)}
            row |= {name: metrics[name]["model"] for name in SHOWN}
            row |= {f"{name} (start-only)": metrics[name]["baseline"] for name in SHOWN}
            row |= {f"{name} (trailing 16)": metrics[name]["naive"] for name in ("points_mae", "points_rank_corr")}
            rows.append(row)
            print(json.dumps(row), flush=True)
    OUT.mkdir(exist_ok=True)
    (OUT / "model_choice.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
