"""Speed: a 150-lineup portfolio (overlap ≤ 4, max exposure 0.5), pitwall against pydfs.

    .venv/bin/python bench/portfolio_speed.py [--date 2024-05-27 --track "Charlotte Motor Speedway"]

Same slate, same machine, same run. pitwall's time is the whole solve over 10,000
scenarios (field, enumeration, screen, scenario objective, selection); the time to
simulate the scenarios is printed beside it. pydfs gets the scenarios' mean points as
projections and is timed from loading players to its last lineup. Prints figures,
asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from portfolio_common import past_race, pydfs, scenarios, table, write

from pitwall.contest import PayoutTable
from pitwall.history import History
from pitwall.portfolio import Controls, solve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--date", default="2024-05-27")
    parser.add_argument("--track", default="Charlotte Motor Speedway")
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--lineups", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3, help="pitwall solves (the median is reported)")
    args = parser.parse_args()

    race = past_race(History.from_csv(), args.date, args.track)
    slate = race.slate
    began = time.perf_counter()
    points = scenarios(race, args.scenarios, seed=1)
    simulate_seconds = time.perf_counter() - began
    controls = Controls(n_lineups=args.lineups, max_exposure=0.5, max_overlap=4)

    solves = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        portfolio = solve(points, slate.salaries, controls, payout=PayoutTable.gpp(), seed=7)
        solves.append(time.perf_counter() - began)
    pitwall_seconds = float(np.median(solves))
    theirs, pydfs_seconds = pydfs(slate, points.mean(axis=0), args.lineups, 0.5, 4)

    rows = [
        ["pitwall solve (scenario objective)", f"{pitwall_seconds:.2f}", f"{pydfs_seconds / pitwall_seconds:.1f}×"],
        ["pitwall simulate + solve", f"{simulate_seconds + pitwall_seconds:.2f}",
         f"{pydfs_seconds / (simulate_seconds + pitwall_seconds):.1f}×"],
        ["pydfs-lineup-optimizer 3.6.1", f"{pydfs_seconds:.2f}", "1.0×"],
    ]
    text = "\n".join([
        f"Speed: {args.lineups} lineups, max overlap 4, max exposure 0.5 — {slate.track} {slate.date}, "
        f"{len(slate.entries)} drivers, {portfolio.candidates:,} salary-feasible lineups, {args.scenarios:,} scenarios",
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; pitwall median of {len(solves)} "
        f"solves {', '.join(f'{s:.2f}' for s in solves)} s; solver stages {portfolio.timings}",
        "",
        table(["", "seconds", "pydfs time ÷ this"], rows),
        f"\nspeed ratio (pydfs ÷ pitwall solve): {pydfs_seconds / pitwall_seconds:.1f}×  (pydfs built {len(theirs)} lineups)",
    ])
    print(text, flush=True)
    write("portfolio_speed", text, {
        "slate": {"track": slate.track, "date": str(slate.date), "drivers": len(slate.entries)},
        "candidates": portfolio.candidates,
        "scenarios": args.scenarios,
        "pitwall_solve_seconds": solves,
        "pitwall_simulate_seconds": simulate_seconds,
        "pydfs_seconds": pydfs_seconds,
        "ratio": pydfs_seconds / pitwall_seconds,
        "solver_stages": portfolio.timings,
    })


if __name__ == "__main__":
    main()
