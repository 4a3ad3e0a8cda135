"""The greedy loop: the pool, the controls as lineups are chosen, refills, and why it got stuck.

Apart from `selection` (what each candidate is worth) because its reasons to change are
the controls and the pool's sizing: which candidates are allowed after each pick, when
the pool is refilled from the enumeration, and the error that names the binding control.
"""

from __future__ import annotations

import numpy as np

from pitwall.portfolio.controls import PortfolioError
from pitwall.portfolio.enumeration import _masks, _sums
from pitwall.rules import ROSTER_SIZE

# Lineups scored scenario by scenario at the start, and per refill.
POOL_BASE = 2_000
POOL_PER_LINEUP = 6
REFILL = 1_000
POOL_PROJECTED = 3_000


class _Greedy:
    """Greedy selection under the controls, from a pool of the best screened lineups
    that is refilled from the full enumeration when the controls close it."""

    def __init__(self, controls, n_drivers, selection, everything, screen, progress) -> None:
        self.controls = controls
        self.n = controls.n_lineups
        self.selection = selection
        self.everything = everything
        self.screen = screen
        self.progress = progress
        self.max_count = np.array([controls.max_count(d) for d in range(n_drivers)])
        self.min_count = np.array([controls.min_count(d) for d in range(n_drivers)])
        self.count = np.zeros(n_drivers, dtype=np.int64)
        self.chosen_masks: list[np.uint64] = []
        self.full_mask = np.uint64(0)  # drivers at their max exposure
        self.limit = controls.max_overlap if controls.max_overlap is not None else ROSTER_SIZE - 1
        # Screened order, revealed a slice at a time: sorting millions is wasted work
        # when a few thousand are used.
        self.ranked = np.zeros(0, dtype=np.int64)
        self.unranked = np.arange(len(everything))
        self.next = 0
        self.pooled = np.zeros(0, dtype=np.int64)  # pooled outside the screened order

    def start(self, projection: np.ndarray) -> None:
        """The first pool: the best screened lineups, and the lineups of highest mean
        points (in a soft field they are often the best there are, and the screen's
        normal tails can rank them low; with 500 of them instead of 3,000, held-out
        ROI in the weak field was 2.3 points lower pooled over the quality benchmark's
        races, and trailed pydfs at Daytona with 150 lineups)."""
        count = POOL_BASE + POOL_PER_LINEUP * self.n
        self._reveal(max(count, 50 * REFILL))
        screened = self.ranked[:count]
        self.next = len(screened)
        mean = _sums(projection, self.everything)
        top = min(POOL_PROJECTED, len(mean))
        best = np.argpartition(-mean, top - 1)[:top] if top < len(mean) else np.arange(len(mean))
        self.pooled = best[~np.isin(best, screened)]
        take = np.concatenate([screened, self.pooled])
        self.selection.add_candidates(self.everything[take].astype(np.int64))

    def _reveal(self, count: int) -> None:
        if len(self.unranked) <= count:
            block = self.unranked[np.argsort(-self.screen[self.unranked], kind="stable")]
            self.unranked = np.zeros(0, dtype=np.int64)
        else:
            cut = np.argpartition(-self.screen[self.unranked], count)
            block, self.unranked = self.unranked[cut[:count]], self.unranked[cut[count:]]
            block = block[np.argsort(-self.screen[block], kind="stable")]
        self.ranked = np.concatenate([self.ranked, block])

    def still_open(self, masks: np.ndarray) -> np.ndarray:
        """Lineups no later pick can make allowed again: overlap and max exposure."""
        ok = (masks & self.full_mask) == 0
        for mask in self.chosen_masks:
            ok &= np.bitwise_count(masks & mask) <= self.limit
        return ok

    def eligible(self, lineups: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """Among open lineups, those that keep every min exposure reachable."""
        remaining = self.n - len(self.chosen_masks)
        need = np.maximum(self.min_count - self.count, 0)
        if not need.any():
            return np.ones(len(lineups), dtype=bool)
        forced = np.flatnonzero(need >= remaining)
        if len(forced) > ROSTER_SIZE:
            return np.zeros(len(lineups), dtype=bool)
        ok = np.ones(len(lineups), dtype=bool)
        if len(forced):
            forced_mask = _masks(forced[None, :])[0]
            ok &= (masks & forced_mask) == forced_mask
        met = need[lineups.astype(np.intp)] > 0
        ok &= need.sum() - met.sum(axis=1) <= ROSTER_SIZE * (remaining - 1)
        return ok

    def run(self) -> list[tuple[int, float]]:
        selection = self.selection
        chosen: list[tuple[int, float]] = []
        # Drivers allowed in no lineup (a max exposure below one lineup) are full before the first pick.
        full = np.flatnonzero(self.count >= self.max_count)
        if len(full):
            self.full_mask = _masks(full[None, :])[0]
            selection.open &= (selection.masks & self.full_mask) == 0
        while len(chosen) < self.n:
            allowed = selection.open & self.eligible(selection.lineups, selection.masks)
            if not allowed.any():
                if not self._refill():
                    raise PortfolioError(self._stuck(len(chosen)))
                continue
            best = selection.best(allowed)
            chosen.append((best, float(selection.gain[best])))
            lineup = selection.lineups[best]
            self.count[lineup] += 1
            mask = selection.masks[best]
            self.chosen_masks.append(mask)
            full = np.flatnonzero(self.count >= self.max_count)
            self.full_mask = _masks(full[None, :])[0] if len(full) else np.uint64(0)
            selection.choose(best)
            selection.set_aside(chosen[-1][1])
            selection.open &= (np.bitwise_count(selection.masks & mask) <= self.limit) & (
                (selection.masks & self.full_mask) == 0
            )
            if self.progress is not None:
                self.progress(len(chosen), self.n)
        return chosen

    def _refill(self) -> bool:
        """Bring in the best screened lineups the controls still allow."""
        found: list[np.ndarray] = []
        have = 0
        while have < REFILL:
            if self.next >= len(self.ranked):
                if not len(self.unranked):
                    break
                self._reveal(50 * REFILL)
            block = self.ranked[self.next : self.next + 50 * REFILL]
            self.next += len(block)
            block = block[~np.isin(block, self.pooled)]
            lineups = self.everything[block]
            masks = _masks(lineups)
            ok = self.still_open(masks)
            ok[ok] = self.eligible(lineups[ok], masks[ok])
            found.append(block[ok])
            have += int(ok.sum())
        if not have:
            return False
        take = np.concatenate(found)
        # Screened order within what was found; the rest waits for a later refill.
        self.selection.add_candidates(self.everything[take[:REFILL]].astype(np.int64))
        if len(take) > REFILL:
            self.ranked = np.concatenate([self.ranked[: self.next], take[REFILL:], self.ranked[self.next :]])
        return True

    def _stuck(self, built: int) -> str:
        controls = self.controls
        full = [controls.name(d) for d in np.flatnonzero(self.count >= self.max_count) if self.max_count[d] > 0]
        short = [controls.name(d) for d in np.flatnonzero(self.count < self.min_count)]
        parts = [f"the controls allow only {built} of {self.n} lineups"]
        if controls.max_overlap is not None:
            parts.append(f"max overlap {controls.max_overlap}")
        if full:
            parts.append(f"max exposure reached by {', '.join(full)}")
        if short:
            parts.append(f"min exposure still unmet for {', '.join(short)}")
        if controls.min_salary:
            parts.append(f"min salary ${controls.min_salary:,}")
        return "; ".join(parts)
