"""`solve`: the stages in order, the checks before them, and the `Portfolio` they produce.

Apart so that the entry point reads as the pipeline (enumerate beside the field, screen, pool,
select) and each stage can change in its own module without touching it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from pitwall.contest import DEFAULT_STYLE, Field, PayoutTable, sample_field
from pitwall.portfolio.arena import _Arena
from pitwall.portfolio.controls import Controls, PortfolioError
from pitwall.portfolio.enumeration import enumerate_lineups
from pitwall.portfolio.greedy import _Greedy
from pitwall.portfolio.screen import _screen
from pitwall.portfolio.selection import _Selection

# Opponent lineups the solver plays against, here only: sampled when the caller gives no field, and the size
# of the field a run's solve step draws (`pitwall.run.solve_portfolio`). Each stands for
# (entries - n) / DEFAULT_FIELD_SIZE opponents (fewer lineups in a smaller contest).
DEFAULT_FIELD_SIZE = 2_000


@dataclass(frozen=True)
class Portfolio:
    """The chosen lineups (n × 6 driver indices, sorted within a lineup) in the order
    chosen, each with the marginal expected payout it added on the solving scenarios."""

    lineups: np.ndarray
    marginal_payout: np.ndarray
    expected_payout: float
    entry_fee: float
    candidates: int
    pool: int
    field_style: str
    field_size: int
    scenarios: int
    seed: int
    timings: dict[str, float]

    @property
    def expected_roi(self) -> float:
        """Solver's own estimate on the scenarios it optimized over (optimistic by design;
        judge a portfolio with `contest.evaluate` on fresh scenarios)."""
        n = len(self.lineups)
        return (self.expected_payout - n * self.entry_fee) / (n * self.entry_fee)

    def summary(self) -> dict:
        return {
            "lineups": len(self.lineups),
            "candidates": self.candidates,
            "pool": self.pool,
            "solving_scenarios": self.scenarios,
            "seed": self.seed,
            "field": {"style": self.field_style, "lineups": self.field_size},
            "in_sample_expected_roi": round(self.expected_roi, 4),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def solve(
    points: np.ndarray,
    salaries: np.ndarray,
    controls: Controls,
    *,
    field: Field | None = None,
    payout: PayoutTable | None = None,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> Portfolio:
    """The portfolio of `controls.n_lineups` lineups maximizing expected contest payout
    over the scenarios `points` (scenarios × drivers); see the `pitwall.portfolio` docstring.

    Raises `PortfolioError` naming the conflict when the controls cannot all hold.
    """
    # The solver keeps every core busy with its own threads; BLAS threads of its own
    # beside them only spin on the same cores (the pool scored twice as slowly).
    with threadpool_limits(1, user_api="blas"):
        return _solve(points, salaries, controls, field=field, payout=payout, seed=seed, progress=progress)


def _solve(points, salaries, controls, *, field, payout, seed, progress) -> Portfolio:
    clock = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    points = np.ascontiguousarray(points, dtype=np.float32)
    salaries = np.asarray(salaries, dtype=np.int64)
    if points.ndim != 2 or points.shape[1] != len(salaries):
        raise PortfolioError(f"points must be scenarios × {len(salaries)} drivers, got shape {points.shape}")
    n_drivers = len(salaries)
    if n_drivers > 64:
        raise PortfolioError(f"a slate of {n_drivers} drivers is more than the 64 the solver handles")
    controls.check_slate(salaries)
    n = controls.n_lineups
    payout = payout or PayoutTable.gpp()
    if payout.entries <= n:
        raise PortfolioError(f"{n} lineups fill a contest of {payout.entries} entries")

    # The legal lineups depend on the salaries and controls alone: their compiled enumeration (it releases
    # the GIL) runs on a second core while the field's places are tabulated, and "enumerate" is the wait
    # for it after that.
    with ThreadPoolExecutor(1, thread_name_prefix="pitwall-enumerate") as beside:
        legal = beside.submit(enumerate_lineups, salaries, controls)
        if field is None:
            field = sample_field(
                points.mean(axis=0), salaries, min(DEFAULT_FIELD_SIZE, payout.entries - n), style=DEFAULT_STYLE,
                seed=seed,
            )
        arena = _Arena(points, field, payout, n)
        lap("field")
        everything = legal.result()
    if len(everything) < n:
        raise PortfolioError(
            f"only {len(everything)} distinct lineups fit the cap, min salary, locks and excludes; {n} requested"
        )
    lap("enumerate")
    screen = _screen(arena, everything, points)
    lap("screen")
    greedy = _Greedy(controls, n_drivers, _Selection(arena, n), everything, screen, progress)
    greedy.start(points.mean(axis=0))
    lap("pool")
    chosen = greedy.run()
    lap("select")

    lineups = np.sort(greedy.selection.lineups[[c for c, _ in chosen]], axis=1)
    gains = np.array([g for _, g in chosen])
    return Portfolio(
        lineups=lineups,
        marginal_payout=gains,
        expected_payout=float(gains.sum()),
        entry_fee=payout.entry_fee,
        candidates=len(everything),
        pool=len(greedy.selection.lineups),
        field_style=field.style,
        field_size=field.size,
        scenarios=points.shape[0],
        seed=seed,
        timings=timings,
    )
