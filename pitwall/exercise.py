"""A small made-up slate solved and evaluated through the real code paths, so every compiled loop of the
solver has run for the argument types jobs use.

At install it compiles them into numba's cache (scripts/compile_kernels.py), so no job pays for compiling;
in the process that forks flow runs (deployments/preload_worker.py) it loads them from that cache once, so
no forked run pays for loading them either (numba loads a loop's cached code at its first call, in every
process).
"""

from __future__ import annotations

import numpy as np

from pitwall.contest import PayoutTable, evaluate, sample_field
from pitwall.contest.scoring import SCENARIO_CHUNK
from pitwall.portfolio import Controls, solve
from pitwall.portfolio import threads as portfolio_threads
from pitwall.simulation import RaceModel, simulate

# A small slate takes the screen-everything path, a full one the prefiltered path: both are exercised.
SLATE_SIZES = (16, 40)
# Scenarios solved on and scored: one chunk of the evaluation's scoring, so the contest's thread pool is never
# started (the solver's is ended by `exercise_all`).
SCENARIOS = SCENARIO_CHUNK


def exercise(drivers: int) -> None:
    rng = np.random.default_rng(0)
    model = RaceModel(
        starts=np.arange(1, drivers + 1), laps=200, track_type="intermediate", strength=rng.normal(size=drivers),
        dnf=np.full(drivers, 0.1), lead_focus=2.0, lead_stints=8, fast_focus=1.0, fast_stints=16, green_share=0.8,
    )
    salaries = np.linspace(11_000, 5_000, drivers).round(-2).astype(np.int64)
    points = simulate(model, SCENARIOS, seed=1).points
    payout = PayoutTable.gpp(1_000, 20.0)
    # The sharp field, as this made-up slate was set up with: which style does not change what is compiled,
    # and on 16 drivers the weak field leaves the greedy one lineup short of these controls.
    field = sample_field(points.mean(axis=0), salaries, 200, style="sharp", seed=1)
    portfolio = solve(points, salaries, Controls(n_lineups=20, max_exposure=0.5, max_overlap=4), field=field,
                      payout=payout, seed=1)
    evaluate(portfolio.lineups, points,
             sample_field(points.mean(axis=0), salaries, 980, style="sharp", seed=2), payout, scenario_seed=2)


def exercise_all() -> None:
    """Every slate size, and no thread left behind: a process that forks must not hold Python threads."""
    for drivers in SLATE_SIZES:
        exercise(drivers)
    portfolio_threads.release()
