"""Choices of the race model, made on earlier seasons and confirmed on a later one.

    .venv/bin/python bench/model_choice.py [--seasons 2021 2022 2023] [--scenarios 1000]
        [--grid NAME=V1,V2,... ...] [--seed-offset 0] [--out model_choice.json]

Each season is predicted from the seasons before it only (`pitwall.quality.quality_report`,
training from 2019), once per combination of the values given for the calibration's choices, each
a constant of `pitwall.calibration` named in `CHOICES` (e.g. `--grid RUNNING_ORDER_WEIGHT=0,1,2
--grid DOMINANCE_WEIGHT=0,2`); a choice not on the grid keeps its shipped value. Choose on
2021–2023; then run `pitwall calibrate --train 2019-2023 --test 2024` once, with the choice
shipped, to confirm. `--seed-offset` draws every race's scenarios from other seeds: the shipped model
run again with it shows how far the scenarios' luck alone moves each figure. Writes
bench/out/model_choice.json (or `--out`).
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

from pitwall import calibration
from pitwall.history import History
from pitwall.quality import quality_report

OUT = Path(__file__).resolve().parent / "out"
SHOWN = ("finish_loglik", "win_brier", "points_mae", "points_rank_corr", "leader_share_error")
# The calibration's choices a grid may move: what each one weighs is said where it is defined.
CHOICES = (
    "RUNNING_ORDER_WEIGHT", "RATING_ORDER_WEIGHT", "FASTEST_LAP_ORDER_WEIGHT", "SKILL_PRECISION", "DOMINANCE_WEIGHT",
    "DOMINANCE_PRIOR_RACES", "HALF_LIFE_DAYS", "PROFILE_HALF_LIFE_DAYS", "OTHER_TYPE_WEIGHT", "DNF_PRIOR_STARTS",
)


def _grid_axis(text: str) -> tuple[str, list[float]]:
    name, _, values = text.partition("=")
    if name not in CHOICES or not values:
        raise argparse.ArgumentTypeError(f"expected NAME=V1,V2 with NAME one of {', '.join(CHOICES)}: {text!r}")
    return name, [float(v) for v in values.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seasons", type=int, nargs="+", default=[2021, 2022, 2023])
    parser.add_argument("--grid", type=_grid_axis, action="append", default=[],
                        help="a calibration choice and the values to try, NAME=V1,V2,...")
    parser.add_argument("--scenarios", type=int, default=1000)
    parser.add_argument("--seed-offset", type=int, default=0, help="added to each season's scenario seed")
    parser.add_argument("--out", default="model_choice.json", help="file name under bench/out")
    args = parser.parse_args()

    history = History.from_csv()
    names = [name for name, _ in args.grid]
    rows = []
    for values in itertools.product(*(values for _, values in args.grid)):
        for name, value in zip(names, values):
            setattr(calibration, name, value)
        shipped = {name: getattr(calibration, name) for name in CHOICES}
        for season in args.seasons:
            report = quality_report(history, train=(2019, season - 1), test=season, n_scenarios=args.scenarios,
                                    seed=season + args.seed_offset)
            metrics = report.metrics()
            row = {**shipped, "season": season, "races": len(report.races)}
            row |= {name: metrics[name]["model"] for name in SHOWN}
            row |= {f"{name} (start-only)": metrics[name]["baseline"] for name in SHOWN}
            row |= {f"{name} (trailing 16)": metrics[name]["naive"] for name in ("points_mae", "points_rank_corr")}
            rows.append(row)
            print(json.dumps(row), flush=True)
    OUT.mkdir(exist_ok=True)
    (OUT / args.out).write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
