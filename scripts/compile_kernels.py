"""Compile the solver's loops once, at install, so no job pays for it.

The loops in `pitwall/kernels.py` are numba functions cached beside their source (`cache=True`).
Until one has run, the first job to call it compiles it: seconds of a job's solve. This solves and
evaluates a small made-up slate through the real code paths, so every loop is compiled for the
argument types jobs use, and the cache holds them. Run by scripts/bootstrap.sh; a second run only
loads the cache.
"""

from __future__ import annotations

import time

import numpy as np

from pitwall.contest import PayoutTable, evaluate, sample_field
from pitwall.portfolio import Controls, solve
from pitwall.simulation import RaceModel, simulate

# A small slate takes the screen-everything path, a full one the prefiltered path: both are compiled.
SLATE_SIZES = (16, 40)


def main() -> None:
    started = time.perf_counter()
    for drivers in SLATE_SIZES:
        _solve_and_evaluate(drivers)
    print(f"compile_kernels: the solver's loops are compiled and cached ({time.perf_counter() - started:.1f} s)")


def _solve_and_evaluate(drivers: int) -> None:
    rng = np.random.default_rng(0)
    model = RaceModel(
        starts=np.arange(1, drivers + 1), laps=200, track_type="intermediate", strength=rng.normal(size=drivers),
        dnf=np.full(drivers, 0.1), lead_focus=2.0, lead_stints=8, fast_focus=1.0, fast_stints=16, green_share=0.8,
    )
    salaries = np.linspace(11_000, 5_000, drivers).round(-2).astype(np.int64)
    points = simulate(model, 2_000, seed=1).points
    payout = PayoutTable.gpp(1_000, 20.0)
    # The sharp field, as this made-up slate was set up with: which style does not change what is compiled,
    # and on 16 drivers the weak field leaves the greedy one lineup short of these controls.
    field = sample_field(points.mean(axis=0), salaries, 200, style="sharp", seed=1)
    portfolio = solve(points, salaries, Controls(n_lineups=20, max_exposure=0.5, max_overlap=4), field=field,
                      payout=payout, seed=1)
    evaluate(portfolio.lineups, points, sample_field(points.mean(axis=0), salaries, 980, style="sharp", seed=2),
             payout, scenario_seed=2)


if __name__ == "__main__":
    main()
