"""Backtest: pitwall and pydfs portfolios scored on what really happened in the 2024 Cup races.

    .venv/bin/python bench/portfolio_backtest.py [--lineups 20] [--first 2024-01-01 --last 2024-12-31]

Per race: salaries from the pre-race model (`history.pre_race_salaries`: trailing DK form
from races before the date, mapped onto a DraftKings-like price curve), the race model
calibrated on races before the date, 10,000 scenarios. pitwall solves against a sharp
field; pydfs maximizes the scenarios' mean points; same controls (max exposure 0.5, max
overlap 4). Both are then scored on the actual DK points of the race against the same
simulated field of every opponent (sharp, drawn from the model's projections). ROI and
top-1% rate per race and in total (prizes over fees across all races).
"""

from __future__ import annotations

import argparse
import datetime as dt

import numpy as np
from portfolio_common import past_race, pydfs, scenarios, table, write

from pitwall.contest import PayoutTable, contest_payouts, sample_field
from pitwall.history import History
from pitwall.portfolio import Controls, solve

SOLVER_FIELD = 2_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lineups", type=int, default=20)
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--first", default="2024-01-01")
    parser.add_argument("--last", default="2024-12-31")
    parser.add_argument("--field", default="sharp", choices=["sharp", "weak"])
    args = parser.parse_args()

    history = History.from_csv()
    payout = PayoutTable.gpp()
    n = args.lineups
    controls = Controls(n_lineups=n, max_exposure=0.5, max_overlap=4)
    races = history.races_of("Cup", start=dt.date.fromisoformat(args.first), end=dt.date.fromisoformat(args.last))
    rows, records = [], []
    totals = {"pitwall": [0.0, 0, 0], "pydfs": [0.0, 0, 0]}  # prizes, top-1% lineups, lineups
    for number, past in enumerate(races):
        race = past_race(history, past.date.isoformat(), past.track)
        slate = race.slate
        points = scenarios(race, args.scenarios, seed=number + 1)
        projection = points.mean(axis=0)
        solving_field = sample_field(projection, slate.salaries, min(SOLVER_FIELD, payout.entries - n),
                                     style=args.field, seed=number + 1)
        ours = solve(points, slate.salaries, controls, field=solving_field, payout=payout, seed=number + 1).lineups
        theirs, _ = pydfs(slate, projection, n, 0.5, 4)
        opponents = sample_field(projection, slate.salaries, payout.entries - n, style=args.field, seed=10_000 + number)
        actual = race.actual.points[None, :]
        record = {"race": f"{slate.track} {slate.date}", "track_type": slate.kind}
        for name, lineups in (("pitwall", ours), ("pydfs", theirs)):
            prize, ahead = contest_payouts(lineups, actual, opponents, payout)
            top = int((ahead < payout.top_places).sum())
            totals[name][0] += float(prize.sum())
            totals[name][1] += top
            totals[name][2] += len(lineups)
            record[f"{name}_roi"] = float(prize.sum() / (len(lineups) * payout.entry_fee) - 1)
            record[f"{name}_top1"] = top / len(lineups)
            record[f"{name}_best"] = float((actual[0][lineups]).sum(axis=1).max())
        records.append(record)
        rows.append(_cells(record))
        print("  ".join(rows[-1]), flush=True)

    summary = {}
    for name, (prizes, top, count) in totals.items():
        summary[name] = {"roi": prizes / (count * payout.entry_fee) - 1, "top1": top / count, "lineups": count}
    per_race_diff = np.array([r["pitwall_roi"] - r["pydfs_roi"] for r in records])
    rows.append([
        f"total, {len(records)} races", "",
        f"{summary['pitwall']['roi']:+.1%}", f"{summary['pydfs']['roi']:+.1%}",
        f"{summary['pitwall']['top1']:.2%}", f"{summary['pydfs']['top1']:.2%}", "", "",
    ])
    text = "\n".join([
        f"Backtest on actual results: {len(records)} Cup races {args.first}..{args.last}, {n} lineups each, "
        f"{args.field} field of {payout.entries - n:,} opponents, ${payout.entry_fee:g} entry; max exposure 0.5, "
        "max overlap 4",
        f"per-race ROI difference pitwall − pydfs: mean {per_race_diff.mean():+.1%} ± "
        f"{per_race_diff.std(ddof=1) / np.sqrt(len(per_race_diff)):.1%} (one standard error over races); "
        f"pitwall ahead in {(per_race_diff > 0).sum()} races, behind in {(per_race_diff < 0).sum()}",
        "",
        table(["race", "type", "pitwall ROI", "pydfs ROI", "pitwall top 1%", "pydfs top 1%",
               "pitwall best", "pydfs best"], rows),
    ])
    print("\n" + text, flush=True)
    write("portfolio_backtest", text, {"races": records, "total": summary})


def _cells(r: dict) -> list[str]:
    return [
        r["race"], r["track_type"], f"{r['pitwall_roi']:+.1%}", f"{r['pydfs_roi']:+.1%}",
        f"{r['pitwall_top1']:.0%}", f"{r['pydfs_top1']:.0%}", f"{r['pitwall_best']:.1f}", f"{r['pydfs_best']:.1f}",
    ]


if __name__ == "__main__":
    main()
