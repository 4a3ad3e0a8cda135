"""Every legal lineup of a slate, and what is computed per lineup over all of them.

Lineups are rows of driver indices (int16). Enumeration is exact and honours the
controls that decide legality outright (cap, min salary, locks, excludes, group rules); the rest of
the controls act during selection. The per-lineup reductions (a sum of a per-driver
value, the drivers as a bit set) live here because they run over the whole enumeration
and follow its layout; their compiled loops are in `pitwall.kernels`.
"""

from __future__ import annotations

import numpy as np

from pitwall import kernels
from pitwall.portfolio.controls import Controls, PortfolioError
from pitwall.rules import ROSTER_SIZE


def enumerate_lineups(salaries: np.ndarray, controls: Controls) -> np.ndarray:
    """Every lineup (rows of 6 driver indices, in no particular order) within the cap and min salary,
    holding all locks, no excluded driver, and every group rule.

    A group rule that leaves no lineup of those the other controls allow is a `PortfolioError` naming it."""
    salaries = np.asarray(salaries, dtype=np.int64)
    free = np.array([d for d in range(len(salaries)) if d not in controls.excludes and d not in controls.locks])
    locked = np.array(controls.locks, dtype=np.int64)
    spent = int(salaries[locked].sum()) if len(locked) else 0
    size = ROSTER_SIZE - len(locked)
    picks = _combinations_within(salaries, free, size, controls.cap - spent, controls.min_salary - spent)
    if len(locked):
        picks = np.concatenate([picks, np.broadcast_to(locked, (len(picks), len(locked)))], axis=1)
    for group in controls.groups:
        if not len(picks):
            break
        kept = picks[group.allows(picks, len(salaries))]
        if not len(kept):
            raise PortfolioError(
                f"no lineup keeps the group rule {controls.describe(group)} with the cap, min salary, locks, "
                "excludes and the other group rules"
            )
        picks = kept
    return picks.astype(np.int16, copy=False)


def _combinations_within(salaries: np.ndarray, pool: np.ndarray, size: int, cap: int, floor: int) -> np.ndarray:
    """All `size`-subsets of `pool` costing between `floor` and `cap`."""
    if size == 0:
        return np.zeros((1 if 0 <= cap and floor <= 0 else 0, 0), dtype=np.int16)
    if len(pool) < size:
        return np.zeros((0, size), dtype=np.int16)
    # Dearest first: the drivers after any position are then the cheapest ones, so
    # bounds on how a prefix can finish are prefix sums.
    pool = pool[np.argsort(-salaries[pool], kind="stable")].astype(np.int16)
    cost = salaries[pool]
    count = kernels.combinations_within(pool, cost, size, cap, floor, np.zeros((0, size), dtype=np.int16))
    lineups = np.empty((count, size), dtype=np.int16)
    kernels.combinations_within(pool, cost, size, cap, floor, lineups)
    return lineups


def _sums(per_driver: np.ndarray, lineups: np.ndarray) -> np.ndarray:
    """Each lineup's sum of a per-driver value (in its dtype) over its drivers."""
    return kernels.sums(np.ascontiguousarray(per_driver), lineups)


def _masks(lineups: np.ndarray) -> np.ndarray:
    """Each lineup as a bit set of its drivers (slates of up to 64 drivers)."""
    bits = np.left_shift(np.uint64(1), np.asarray(lineups).astype(np.uint64))
    return np.bitwise_or.reduce(bits, axis=1)
