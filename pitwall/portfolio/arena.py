"""The contest as the solver sees it: the field's places per solving scenario on a score grid.

The exact contest (`pitwall.contest`) ranks every lineup against every opponent; the
solver needs the same answer millions of times, so the field is tabulated once per
solve and a lineup's place and prize become look-ups. Apart from selection because it
changes with the contest model (grid, fitted top tail, prize interpolation, the screen's
lines), not with how lineups are picked.
"""

from __future__ import annotations

import math

import numpy as np

from pitwall import kernels
from pitwall.contest import Field, PayoutTable
from pitwall.contest.scoring import SCENARIO_CHUNK
from pitwall.portfolio.threads import THREADS, _chunks, _in_threads
from pitwall.rules import ROSTER_SIZE

# Score grid per scenario for the field's places: fine enough that a bin is well under
# a point between the min cash line and the best possible lineup.
GRID_BINS = 384
# Fewest sampled opponents the top tail is fitted to.
TAIL_MIN = 8
# Beyond the places where being pushed down by the whole portfolio costs this share of
# an entry fee, our lineups are taken not to affect each other's prizes.
ZONE_TOLERANCE = 0.25
# Fewer lineups than this per thread are screened on one: a thread costs more than it saves.
SCREEN_CHUNK = 50_000


class _Arena:
    """The field's places on the solving scenarios, tabulated for fast look-up.

    Per scenario, scores from the min cash line (`base`) to the best lineup the slate
    allows are cut into GRID_BINS bins; `ahead[s, k]` is how many opponents outscore
    grid edge k. A lineup below `base` is out of the money whatever else happens; above
    it, its place is interpolated between edges.

    Our own lineups matter to each other only near the top: `zone` is the number of
    places within which being pushed down by the whole portfolio still costs more than
    ZONE_TOLERANCE of an entry fee. Below it prizes are flat enough to take as fixed.
    """

    def __init__(self, points: np.ndarray, field: Field, payout: PayoutTable, n_lineups: int) -> None:
        self.points = points
        self.n_scenarios = points.shape[0]
        self.weight = (payout.entries - n_lineups) / field.size
        self._paid = np.float32(payout.paid_places)
        # Each whole place's prize (none past the paid ones) and the step to the next.
        whole = np.concatenate([payout.prizes, [0.0, 0.0]]).astype(np.float32)
        self._prizes, self._steps = whole[:-1], np.diff(whole)
        self.prize_table = (self._prizes, self._steps, self._paid)
        prizes = np.asarray(payout.prizes)
        pushed = prizes - prizes[np.minimum(np.arange(len(prizes)) + n_lineups, len(prizes) - 1)]
        self.zone = max(1, int((pushed >= ZONE_TOLERANCE * payout.entry_fee).sum()))

        contenders = min(field.size, int(math.ceil(payout.paid_places / self.weight)) + 1)
        best_field = self._contenders(field, contenders)
        base = best_field[:, -1].astype(np.float64)
        if contenders == field.size:
            base = np.minimum(base, points.min(axis=1) * ROSTER_SIZE) - 1
        best = -np.partition(-points, ROSTER_SIZE - 1, axis=1)[:, :ROSTER_SIZE].sum(axis=1)
        top = np.maximum(best, best_field[:, 0]) + 1e-3
        self.base = base.astype(np.float32)
        self.scale = (GRID_BINS / (top - base)).astype(np.float32)
        tail, threshold, excess = self._tail(best_field, payout) if self.weight > 1 else (0, base, base)
        self.ahead = kernels.ahead_table(
            best_field, GRID_BINS + 1, self.weight, self.base, self.scale, threshold, excess, tail
        )
        self.lines = self._lines(payout, best_field)

    def _contenders(self, field: Field, contenders: int) -> np.ndarray:
        """The best `contenders` field scores in each scenario, best first (scenarios × contenders).

        Scenarios a chunk at a time, so a chunk's whole field scores stay in cache from the product through
        the partition, and the field's scores in every scenario are never held at once."""
        holds = self._holds(field.lineups)
        best = np.empty((self.n_scenarios, contenders), dtype=np.float32)
        cut = field.size - contenders

        def chunk(at: slice) -> None:
            theirs = self.points[at] @ holds.T
            theirs.partition(cut, axis=1)  # in place: a copy would be the chunk's whole field scores
            best[at] = -np.sort(-theirs[:, cut:], axis=1)

        _in_threads(chunk, _chunks(self.n_scenarios, SCENARIO_CHUNK))
        return best

    def _tail(self, best_field: np.ndarray, payout: PayoutTable) -> tuple[int, np.ndarray, np.ndarray]:
        """Places at the very top from a fitted tail rather than the sample's few best.

        A sample of F opponents standing for more than F cannot show how far the best
        of the whole contest reach: above the sample's best score the count of
        opponents ahead would drop to zero, calling first place a lineup that a few real
        opponents would still beat. Above the sample's k-th best (k covering the top 1%
        of the contest), opponents ahead follow an exponential tail fitted to the k best
        (mean excess over the k-th), continuous with the count at the k-th. Returns k
        and, per scenario, the k-th best score and the mean excess.
        """
        k = int(np.clip(round(payout.top_places / self.weight), TAIL_MIN, best_field.shape[1] - 1))
        threshold = best_field[:, k - 1].astype(np.float64)
        excess = np.maximum((best_field[:, : k - 1] - threshold[:, None]).mean(axis=1), 1e-3)
        return k, threshold, excess

    def prize(self, place: np.ndarray) -> np.ndarray:
        """Prize of a lone entry with `place` entries (fractional) ahead of it.

        With the prize spread evenly over a place, a fractional place earns the
        interpolation of the two whole places it straddles.
        """
        place = np.minimum(place, self._paid)
        whole = np.floor(place)
        cell = whole.astype(np.intp)
        # In place: over a step's hundreds of thousands of entries, fresh arrays cost
        # more than the arithmetic.
        place -= whole
        place *= self._steps[cell]
        place += self._prizes[cell]
        return place

    def scores(self, lineups: np.ndarray) -> np.ndarray:
        """Scores of lineups (rows of driver indices), scenarios × lineups."""
        return self.points @ self._holds(lineups).T

    def _holds(self, lineups: np.ndarray) -> np.ndarray:
        """lineups × drivers, 1 where a lineup holds a driver."""
        holds = np.zeros((len(lineups), self.points.shape[1]), dtype=np.float32)
        np.put_along_axis(holds, lineups.astype(np.intp), np.float32(1), axis=1)
        return holds

    def locate(self, scores: np.ndarray) -> np.ndarray:
        """Grid position (bins above the min cash line) of scores, scenarios × lineups."""
        return np.minimum((scores - self.base[:, None]) * self.scale[:, None], np.float32(GRID_BINS))

    def _lines(self, payout: PayoutTable, best_field: np.ndarray) -> list[tuple[float, np.ndarray]]:
        """Scores to beat for each prize level the screen looks at, and what clearing
        each adds over the next one down."""
        marks = sorted({0, payout.entries // 1000, payout.top_places, payout.entries // 20, payout.paid_places - 1})
        marks = [m for m in marks if m < payout.paid_places]
        worth = self.prize(np.array(marks, dtype=np.float64))
        lines = []
        for i, mark in enumerate(marks):
            rank = min(best_field.shape[1] - 1, int(mark / self.weight))
            gain = worth[i] - (worth[i + 1] if i + 1 < len(marks) else 0.0)
            lines.append((float(gain), best_field[:, rank].astype(np.float64)))
        return lines

    def screen(self, lineups: np.ndarray) -> np.ndarray:
        """Approximate expected payout of each lineup against the field's lines.

        A lineup's score is treated as normal in its margin over each line; its mean
        and its covariance with the line add up over its drivers, and its variance over
        its pairs of drivers, so all of them are sums of look-ups in per-driver tables
        and the variance is exact. (A truncated factorization of the covariance looked
        cheaper and ranked lineups far worse.)
        """
        points = self.points.astype(np.float64)
        n_scenarios = points.shape[0]
        centered = points - points.mean(axis=0)
        cov = centered.T @ centered / n_scenarios
        line_values = np.stack([line for _, line in self.lines], axis=1)
        line_centered = line_values - line_values.mean(axis=0)
        with_lines = centered.T @ line_centered / n_scenarios  # drivers × lines
        table = np.concatenate([points.mean(axis=0)[:, None], with_lines], axis=1)
        # Each unordered pair of distinct drivers counts twice in the variance.
        pairs = (2 * cov - np.diag(np.diag(cov))).ravel()
        worth = np.array([w for w, _ in self.lines])
        line_mean = line_values.mean(axis=0)
        line_var = line_centered.var(axis=0)
        value = np.empty(len(lineups))

        def chunk(at: slice) -> None:
            kernels.screen(lineups[at], table, pairs, line_mean, line_var, worth, value[at])

        _in_threads(chunk, _chunks(len(lineups), max(SCREEN_CHUNK, -(-len(lineups) // THREADS))))
        return value


def _cells(scenarios: np.ndarray, position: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Where grid positions fall in a table of rows of `width` edges, one row per
    scenario: the flat index of the edge below each position (never the last edge, so
    the one above exists) and how far past it the position is."""
    whole = np.minimum(np.floor(position), np.float32(width - 2))
    return scenarios * width + whole.astype(np.intp), position - whole


def _lerp(flat: np.ndarray, cell: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """A flattened table at the cells and fractions from `_cells`, interpolated."""
    low = flat[cell]
    step = flat[cell + 1]
    step -= low
    step *= frac
    low += step
    return low
