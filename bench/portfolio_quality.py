"""Quality on held-out scenarios: pitwall against pydfs, paired, in a sharp and a weak field.

    .venv/bin/python bench/portfolio_quality.py [--races N] [--scenarios 10000]

For each race (past 2024 Cup races as slates, salaries from the pre-race model, the model
calibrated on races before it) both tools build N = 20 and N = 150 lineups under the
same controls (max exposure 0.5, max overlap 4). pitwall solves on scenarios of seed 1
against a field of the contest's style drawn with seed 1; pydfs maximizes the mean of
those scenarios. Both portfolios are then scored on scenarios of seed 2 against a whole
field drawn with seed 2: the same scenarios and opponents for both, none of them seen by
either tool. Differences are paired per scenario; ± is one standard error.
"""

from __future__ import annotations

import argparse

import numpy as np
from portfolio_common import paired, past_race, pydfs, scenarios, table, write

from pitwall.contest import PayoutTable, evaluate, sample_field
from pitwall.history import History
from pitwall.portfolio import Controls, solve

RACES = [
    ("2024-02-20", "Daytona International Speedway"),
    ("2024-03-03", "Las Vegas Motor Speedway"),
    ("2024-04-07", "Martinsville Speedway"),
    ("2024-06-09", "Sonoma Raceway"),
]
SOLVER_FIELD = 2_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--races", type=int, default=len(RACES))
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 150])
    args = parser.parse_args()

    history = History.from_csv()
    payout = PayoutTable.gpp()
    results = []
    pooled: dict[tuple[int, str], dict[str, list[np.ndarray]]] = {}
    for date, track in RACES[: args.races]:
        race = past_race(history, date, track)
        slate = race.slate
        solving = scenarios(race, args.scenarios, seed=1)
        held_out = scenarios(race, args.scenarios, seed=2)
        projection = solving.mean(axis=0)
        for n in args.sizes:
            controls = Controls(n_lineups=n, max_exposure=0.5, max_overlap=4)
            theirs, _ = pydfs(slate, projection, n, 0.5, 4)
            for style in ("sharp", "weak"):
                field = sample_field(projection, slate.salaries, min(SOLVER_FIELD, payout.entries - n), style=style, seed=1)
                ours = solve(solving, slate.salaries, controls, field=field, payout=payout, seed=1).lineups
                opponents = sample_field(held_out.mean(axis=0), slate.salaries, payout.entries - n, style=style, seed=2)
                mine = evaluate(ours, held_out, opponents, payout, scenario_seed=2)
                base = evaluate(theirs, held_out, opponents, payout, scenario_seed=2)
                roi_diff = paired(mine.scenario_roi, base.scenario_roi)
                top_diff = paired(mine.scenario_top1, base.scenario_top1)
                bucket = pooled.setdefault((n, style), {"ours_roi": [], "base_roi": [], "ours_top": [], "base_top": []})
                bucket["ours_roi"].append(mine.scenario_roi)
                bucket["base_roi"].append(base.scenario_roi)
                bucket["ours_top"].append(mine.scenario_top1)
                bucket["base_top"].append(base.scenario_top1)
                result = {
                    "race": f"{track} {date}", "n": n, "field": style,
                    "pitwall_roi": mine.roi, "pitwall_roi_se": mine.roi_se,
                    "pydfs_roi": base.roi, "pydfs_roi_se": base.roi_se,
                    "roi_diff": roi_diff[0], "roi_diff_se": roi_diff[1],
                    "pitwall_top1": mine.top1_rate, "pydfs_top1": base.top1_rate,
                    "top1_diff": top_diff[0], "top1_diff_se": top_diff[1],
                }
                results.append(result)
                print(_row(result), flush=True)

    totals = []
    for (n, style), bucket in sorted(pooled.items()):
        ours_roi, base_roi = np.concatenate(bucket["ours_roi"]), np.concatenate(bucket["base_roi"])
        ours_top, base_top = np.concatenate(bucket["ours_top"]), np.concatenate(bucket["base_top"])
        roi_diff, top_diff = paired(ours_roi, base_roi), paired(ours_top, base_top)
        totals.append({
            "race": f"all {args.races} races", "n": n, "field": style,
            "pitwall_roi": float(ours_roi.mean()), "pitwall_roi_se": float(ours_roi.std(ddof=1) / np.sqrt(len(ours_roi))),
            "pydfs_roi": float(base_roi.mean()), "pydfs_roi_se": float(base_roi.std(ddof=1) / np.sqrt(len(base_roi))),
            "roi_diff": roi_diff[0], "roi_diff_se": roi_diff[1],
            "pitwall_top1": float(ours_top.mean()), "pydfs_top1": float(base_top.mean()),
            "top1_diff": top_diff[0], "top1_diff_se": top_diff[1],
        })
    header = ["race", "N", "field", "pitwall ROI", "pydfs ROI", "ROI diff", "pitwall top 1%", "pydfs top 1%", "top 1% diff"]
    text = "\n".join([
        f"Quality on held-out scenarios ({args.scenarios:,} of seed 2; solved on seed 1), contest of "
        f"{payout.entries:,} entries at ${payout.entry_fee:g}, max exposure 0.5, max overlap 4; ± one standard error, "
        "differences paired per scenario",
        "",
        table(header, [_cells(r) for r in results + totals]),
    ])
    print("\n" + text, flush=True)
    write("portfolio_quality", text, {"results": results, "totals": totals})


def _cells(r: dict) -> list[str]:
    return [
        r["race"], str(r["n"]), r["field"],
        f"{r['pitwall_roi']:+.1%} ± {r['pitwall_roi_se']:.1%}", f"{r['pydfs_roi']:+.1%} ± {r['pydfs_roi_se']:.1%}",
        f"{r['roi_diff']:+.1%} ± {r['roi_diff_se']:.1%}",
        f"{r['pitwall_top1']:.2%}", f"{r['pydfs_top1']:.2%}", f"{r['top1_diff']:+.2%} ± {r['top1_diff_se']:.2%}",
    ]


def _row(r: dict) -> str:
    return "  ".join(_cells(r))


if __name__ == "__main__":
    main()
