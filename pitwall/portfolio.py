"""Tournament portfolios: N lineups that together earn the most against a simulated field.

Objective
---------
The solver maximizes the portfolio's expected payout in the contest (`contest.py`): over
the solving scenarios, each lineup is placed among the field's lineups *and the
portfolio's other lineups*, and the prizes of all N lineups are summed. Expected payout
is what a tournament player is paid for: it rewards a lineup for landing near the top,
counts first place at its real (steep) value, and credits nothing for mean points a
thousand places out of the money. Because the portfolio's lineups compete with each
other, the objective also has diminishing returns: a second lineup that wins in the same
scenarios as the first mostly takes prizes from it, so the portfolio spreads over
different ways the race can go instead of repeating one bet. (The chance of at least one
lineup in the top 1% was the alternative; it ignores how much a top finish pays and
treats first place like 100th.)

Method
------
1. Every salary-feasible lineup that honours locks, excludes and the minimum salary is
   enumerated exactly (vectorized, about 1–2 million for a 38–40 driver slate).
2. Each is screened by a normal approximation of its expected payout against score
   lines of the field (first place, top 0.1%, top 1%, top 5%, min cash): its mean,
   variance and covariance with each line come from the drivers' means, covariances
   and covariances with the lines over the scenarios, so the screen sees leverage
   against the field and correlation between drivers, not just projection.
3. The best few thousand, and the 3,000 of highest mean points, go into a pool and
   are scored scenario by scenario against the field: in each scenario the field's
   places are tabulated on a fine grid of scores, so a lineup's place and prize are a
   table look-up. When each sampled opponent stands for several, the very top of that
   table comes from an exponential tail fitted to the sample's best scores: the best
   of a whole contest reach higher than the best of a sample, and treating a lineup
   that beats the sample as a sure winner made the solver chase long shots that a
   full field then beat.
4. Lineups are added greedily by marginal portfolio payout (the new lineup's prize
   less what it takes from lineups already in the portfolio that it beats), lazily
   re-evaluated in batches, subject to the controls. When the pool runs dry under the
   controls it is refilled from the full enumeration, filtered by the controls as they
   stand, before the solver gives up with an error naming the binding control.

Everything random (the default field) comes from `seed`; the same inputs and seed give
the same portfolio.
"""

from __future__ import annotations

import functools
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field as dataclass_field

import numpy as np
from threadpoolctl import threadpool_limits

from pitwall import kernels
from pitwall.contest import Field, PayoutTable, sample_field
from pitwall.request import MAX_LINEUPS
from pitwall.rules import ROSTER_SIZE, SALARY_CAP

# Opponent lineups sampled when the caller gives no field; each stands for
# (entries - n) / DEFAULT_FIELD_SIZE opponents.
DEFAULT_FIELD_SIZE = 2_000
# Score grid per scenario for the field's places: fine enough that a bin is well under
# a point between the min cash line and the best possible lineup.
GRID_BINS = 384
# Fewest sampled opponents the top tail is fitted to.
TAIL_MIN = 8
# Beyond the places where being pushed down by the whole portfolio costs this share of
# an entry fee, our lineups are taken not to affect each other's prizes.
ZONE_TOLERANCE = 0.25
# Threads for the chunked stages: the compiled loops and BLAS release the GIL, so chunks on
# every core run side by side; each writes only its own slice, so results do not depend on it.
THREADS = os.cpu_count() or 1
# Fewer lineups than this per thread are screened on one: a thread costs more than it saves.
SCREEN_CHUNK = 50_000
PREFILTER_SPREAD = 1.5
PREFILTER_SHARE = 0.25
PREFILTER_MIN = 200_000
# Lineups scored scenario by scenario at the start, and per refill.
POOL_BASE = 2_000
POOL_PER_LINEUP = 6
REFILL = 1_000
POOL_PROJECTED = 3_000
POOL_CHUNK = 500
# Entries of closed candidates are dropped once they are this share of all entries.
COMPACT_BELOW = 0.6
# Candidates whose bound is more than twice this share below the gain just picked are
# left stale, and brought up to date once it is within this share of the best gain.
LAZY_SLACK = 0.1


class PortfolioError(ValueError):
    """Controls that cannot all hold on this slate; the message names the conflict."""


# -- controls --------------------------------------------------------------------------


def _pairs(values: Mapping[int, float] | Iterable[tuple[int, float]] | None) -> tuple[tuple[int, float], ...]:
    items = values.items() if isinstance(values, Mapping) else (values or ())
    return tuple(sorted((int(k), float(v)) for k, v in items))


@dataclass(frozen=True)
class Controls:
    """What the user asks of a portfolio. Drivers are indices into the slate's entries.

    `max_exposure` caps every driver's share of lineups; `driver_max_exposure` and
    `driver_min_exposure` set a driver's own bounds (a driver's own maximum replaces the
    global one). Locked drivers are in every lineup (the global cap does not apply to
    them); `max_overlap` bounds the drivers any two lineups share (None: any, as long as
    lineups differ). Exposure counts are whole lineups: at most floor(max × N), at least
    ceil(min × N).
    """

    n_lineups: int = 20
    max_exposure: float = 1.0
    driver_max_exposure: tuple[tuple[int, float], ...] = ()
    driver_min_exposure: tuple[tuple[int, float], ...] = ()
    max_overlap: int | None = None
    locks: tuple[int, ...] = ()
    excludes: tuple[int, ...] = ()
    min_salary: int = 0
    cap: int = SALARY_CAP
    names: tuple[str, ...] | None = dataclass_field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "driver_max_exposure", _pairs(self.driver_max_exposure))
        object.__setattr__(self, "driver_min_exposure", _pairs(self.driver_min_exposure))
        object.__setattr__(self, "locks", tuple(sorted({int(i) for i in self.locks})))
        object.__setattr__(self, "excludes", tuple(sorted({int(i) for i in self.excludes})))
        if self.names is not None:
            object.__setattr__(self, "names", tuple(self.names))
        problems = self._problems()
        if problems:
            raise PortfolioError("; ".join(problems))

    def name(self, driver: int) -> str:
        if self.names is not None and 0 <= driver < len(self.names):
            return self.names[driver]
        return f"driver {driver}"

    def _problems(self) -> list[str]:
        problems = []
        n = self.n_lineups
        if not 1 <= n <= MAX_LINEUPS:
            problems.append(f"lineups must be 1–{MAX_LINEUPS}, got {n}")
        if not 0 <= self.max_exposure <= 1:
            problems.append(f"max exposure must be in [0, 1], got {self.max_exposure}")
        for label, pairs in (("max", self.driver_max_exposure), ("min", self.driver_min_exposure)):
            for driver, share in pairs:
                if not 0 <= share <= 1:
                    problems.append(f"{label} exposure of {self.name(driver)} must be in [0, 1], got {share}")
        if self.max_overlap is not None and not 0 <= self.max_overlap <= ROSTER_SIZE - 1:
            problems.append(f"max overlap must be 0–{ROSTER_SIZE - 1}, got {self.max_overlap}")
        if self.min_salary > self.cap:
            problems.append(f"min salary ${self.min_salary:,} is above the ${self.cap:,} cap")
        both = sorted(set(self.locks) & set(self.excludes))
        for driver in both:
            problems.append(f"{self.name(driver)} is both locked and excluded")
        if len(self.locks) > ROSTER_SIZE:
            problems.append(f"{len(self.locks)} locked drivers, a lineup holds {ROSTER_SIZE}")
        if self.max_overlap is not None and len(self.locks) > self.max_overlap and n > 1:
            problems.append(
                f"{len(self.locks)} locked drivers are shared by every two lineups, above max overlap {self.max_overlap}"
            )
        if problems:
            return problems
        low = dict(self.driver_min_exposure)
        for driver in sorted(set(low) | set(dict(self.driver_max_exposure)) | set(self.locks) | set(self.excludes)):
            most, least = self.max_count(driver), self.min_count(driver)
            if driver in self.locks and most < n:
                problems.append(f"{self.name(driver)} is locked but its max exposure allows {most} of {n} lineups")
            if driver in self.excludes and least > 0:
                problems.append(f"{self.name(driver)} is excluded but its min exposure needs {least} lineups")
            if least > most:
                problems.append(
                    f"{self.name(driver)}: min exposure needs {least} lineups, max exposure allows {most} of {n}"
                )
        demand = sum(self.min_count(d) for d in low if d not in self.locks) + n * len(self.locks)
        if demand > ROSTER_SIZE * n:
            problems.append(f"min exposures need {demand} driver slots, {n} lineups have {ROSTER_SIZE * n}")
        return problems

    def max_count(self, driver: int) -> int:
        """Most lineups that may hold `driver`."""
        if driver in self.excludes:
            return 0
        own = dict(self.driver_max_exposure).get(driver)
        if own is None and driver in self.locks:
            return self.n_lineups
        share = self.max_exposure if own is None else own
        return int(math.floor(share * self.n_lineups + 1e-9))

    def min_count(self, driver: int) -> int:
        """Fewest lineups that must hold `driver`."""
        if driver in self.locks:
            return self.n_lineups
        share = dict(self.driver_min_exposure).get(driver, 0.0)
        return int(math.ceil(share * self.n_lineups - 1e-9))

    def check_slate(self, salaries: np.ndarray) -> None:
        """Conflicts that depend on the slate: unknown drivers, salaries, exposure room."""
        n_drivers = len(salaries)
        mentioned = (
            set(self.locks)
            | set(self.excludes)
            | {d for d, _ in self.driver_max_exposure}
            | {d for d, _ in self.driver_min_exposure}
        )
        outside = sorted(d for d in mentioned if not 0 <= d < n_drivers)
        if outside:
            raise PortfolioError(f"driver index outside the slate of {n_drivers}: {outside}")
        problems = []
        allowed = [d for d in range(n_drivers) if d not in self.excludes]
        if len(allowed) < ROSTER_SIZE:
            problems.append(f"excludes leave {len(allowed)} drivers, a lineup needs {ROSTER_SIZE}")
        locked = int(salaries[list(self.locks)].sum()) if self.locks else 0
        rest = sorted(int(salaries[d]) for d in allowed if d not in self.locks)
        need = ROSTER_SIZE - len(self.locks)
        if len(rest) >= need:
            cheapest = locked + sum(rest[:need])
            richest = locked + sum(rest[len(rest) - need :]) if need else locked
            if cheapest > self.cap:
                problems.append(
                    f"locks ({', '.join(self.name(d) for d in self.locks) or 'none'}) with the cheapest "
                    f"other drivers cost ${cheapest:,}, over the ${self.cap:,} cap"
                )
            if richest < self.min_salary:
                problems.append(f"min salary ${self.min_salary:,} is above the richest possible lineup ${richest:,}")
        room = sum(min(self.max_count(d), self.n_lineups) for d in allowed)
        if room < ROSTER_SIZE * self.n_lineups:
            problems.append(
                f"max exposure leaves room for {room} driver slots, {self.n_lineups} lineups need "
                f"{ROSTER_SIZE * self.n_lineups}"
            )
        if problems:
            raise PortfolioError("; ".join(problems))


# -- enumeration -----------------------------------------------------------------------


def enumerate_lineups(salaries: np.ndarray, controls: Controls) -> np.ndarray:
    """Every lineup (rows of 6 driver indices, in no particular order) within the cap and min salary,
    holding all locks and no excluded driver."""
    salaries = np.asarray(salaries, dtype=np.int64)
    free = np.array([d for d in range(len(salaries)) if d not in controls.excludes and d not in controls.locks])
    locked = np.array(controls.locks, dtype=np.int64)
    spent = int(salaries[locked].sum()) if len(locked) else 0
    size = ROSTER_SIZE - len(locked)
    picks = _combinations_within(salaries, free, size, controls.cap - spent, controls.min_salary - spent)
    if len(locked):
        picks = np.concatenate([picks, np.broadcast_to(locked, (len(picks), len(locked)))], axis=1)
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


# -- the contest as the solver sees it -------------------------------------------------


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

        theirs = self.scores(field.lineups)  # S × F
        n_field = theirs.shape[1]
        contenders = min(n_field, int(math.ceil(payout.paid_places / self.weight)) + 1)
        best_field = -np.sort(-np.partition(theirs, n_field - contenders, axis=1)[:, n_field - contenders :], axis=1)
        base = best_field[:, -1].astype(np.float64)
        if contenders == n_field:
            base = np.minimum(base, points.min(axis=1) * ROSTER_SIZE) - 1
        best = -np.partition(-points, ROSTER_SIZE - 1, axis=1)[:, :ROSTER_SIZE].sum(axis=1)
        top = np.maximum(best, best_field[:, 0]) + 1e-3
        self.base = base.astype(np.float32)
        self.scale = (GRID_BINS / (top - base)).astype(np.float32)
        bins = np.clip(((best_field - self.base[:, None]) * self.scale[:, None]).astype(np.int64), 0, GRID_BINS - 1)
        tail, threshold, excess = self._tail(best_field, payout) if self.weight > 1 else (0, base, base)
        self.ahead = kernels.ahead_table(
            bins, GRID_BINS + 1, self.weight, self.base, self.scale, threshold, excess, tail
        )
        self.lines = self._lines(payout, best_field)

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
        holds = np.zeros((len(lineups), self.points.shape[1]), dtype=np.float32)
        np.put_along_axis(holds, lineups.astype(np.intp), np.float32(1), axis=1)
        return self.points @ holds.T

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


def _screen(arena: _Arena, everything: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The screen's estimate for the lineups that can matter, a low rank for the rest.

    The screen costs a product per lineup; most of millions of lineups have neither the
    mean nor the spread to be near the top. A lineup's sum of its drivers' mean plus
    PREFILTER_SPREAD standard deviations bounds how far up it can reach; only the best
    PREFILTER_SHARE by that are screened (on past slates that kept every one of the
    screen's best 1,000 and over 99% of its best 4,000). The rest keep their order by
    that sum, below every screened lineup, should a refill ever get that far.
    """
    reach = _sums((points.mean(axis=0) + PREFILTER_SPREAD * points.std(axis=0)).astype(np.float64), everything)
    keep = max(int(PREFILTER_SHARE * len(everything)), PREFILTER_MIN)
    if keep >= len(everything):
        return arena.screen(everything)
    chosen = np.argpartition(-reach, keep - 1)[:keep]
    value = reach - reach.max() - 1.0  # below zero, where no screened value goes
    value[chosen] = arena.screen(everything[chosen])
    return value


def _sums(per_driver: np.ndarray, lineups: np.ndarray) -> np.ndarray:
    """Each lineup's sum of a per-driver value (in its dtype) over its drivers."""
    return kernels.sums(np.ascontiguousarray(per_driver), lineups)


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


def _chunks(count: int, size: int) -> Iterator[slice]:
    return (slice(start, min(start + size, count)) for start in range(0, count, size))


@functools.cache
def _threads() -> ThreadPoolExecutor:
    # One pool for the process: selection hands it work at every pick, too often to start threads each time.
    return ThreadPoolExecutor(THREADS, thread_name_prefix="pitwall-portfolio")


def _in_threads(work: Callable[[slice], object], chunks: Iterable[slice]) -> list:
    """`work` on each chunk, on every core; results in chunk order."""
    chunks = list(chunks)
    if THREADS == 1 or len(chunks) == 1:
        return [work(at) for at in chunks]
    return list(_threads().map(work, chunks))


def _masks(lineups: np.ndarray) -> np.ndarray:
    """Each lineup as a bit set of its drivers (slates of up to 64 drivers)."""
    bits = np.left_shift(np.uint64(1), np.asarray(lineups).astype(np.uint64))
    return np.bitwise_or.reduce(bits, axis=1)


# -- the greedy portfolio --------------------------------------------------------------


class _Selection:
    """Greedy selection by marginal portfolio payout, kept exact incrementally.

    A candidate's gain is its expected payout against the field alone plus, in each
    scenario where it reaches the zone, the change in its own prize from our lineups
    above it and the prizes it takes from our lineups below it. Adding a lineup changes
    those terms only in the scenarios where it reaches the zone, so only the entries of
    still-open candidates in those scenarios are recomputed.

    The portfolio can only lower a candidate's prizes and take from them, so its
    payout against the field alone (`bound`) caps its gain. Candidates whose bound has
    fallen well below the gains being picked are left stale (their entries are not
    recomputed) and brought up to date in a batch when the best gain comes near their
    bound.

    Per scenario and grid edge the portfolio keeps how many of its lineups outscore the
    edge and what a newcomer scoring at the edge would take from those it beats
    (`count_above` and `loss`).
    """

    _WIDTH = GRID_BINS + 1

    def __init__(self, arena: _Arena, capacity: int) -> None:
        self.arena = arena
        self.count_above = np.zeros((arena.n_scenarios, self._WIDTH), dtype=np.float32)
        self.loss = np.zeros((arena.n_scenarios, self._WIDTH), dtype=np.float32)
        # Per scenario, the portfolio's lineups in its zone, in the order chosen: their grid positions and
        # the opponents and lineups of ours ahead of them. Scenario-major: a step reads and writes the rows
        # of the scenarios it changes.
        chosen = (arena.n_scenarios, capacity)
        self.n_members = np.zeros(arena.n_scenarios, dtype=np.int16)
        self.position = np.zeros(chosen, dtype=np.float32)
        self.field_ahead = np.zeros(chosen, dtype=np.float32)
        self.own_ahead = np.zeros(chosen, dtype=np.float32)
        self.size = 0
        self.lineups = np.zeros((0, ROSTER_SIZE), dtype=np.int64)
        self.masks = np.zeros(0, dtype=np.uint64)
        self.bound = np.zeros(0)  # expected payout against the field alone
        self.far = np.zeros(0)  # the part of it from scenarios where it stays below the zone
        self.within = np.zeros(0)  # payout in the other scenarios, net of what it takes there
        self.open = np.zeros(0, dtype=bool)
        self.stale = np.zeros(0, dtype=bool)  # `within` not kept up to date
        self.n_entries = np.zeros(0, dtype=np.int64)  # each candidate's entries
        # Entries: one per candidate and scenario in which it reaches the zone, stored
        # in scenario order (and by candidate within a scenario) so a scenario's
        # entries are one slice.
        self.owner = np.zeros(0, dtype=np.intp)
        self.cell = np.zeros(0, dtype=np.intp)  # flat index of the grid edge below the entry's score
        self.frac = np.zeros(0, dtype=np.float32)  # how far past that edge
        self.ahead = np.zeros(0, dtype=np.float32)
        self.net = np.zeros(0, dtype=np.float32)  # its prize among the portfolio, less what it takes from it
        self.scenario_start = np.zeros(arena.n_scenarios + 1, dtype=np.intp)

    @property
    def gain(self) -> np.ndarray:
        return self.far + self.within

    def add_candidates(self, lineups: np.ndarray) -> None:
        if not len(lineups):
            return
        arena = self.arena
        first = len(self.lineups)
        alone, far = np.zeros(len(lineups)), np.zeros(len(lineups))

        def chunk(at: slice) -> tuple[np.ndarray, ...]:
            alone[at], far[at], owner, *entry = kernels.place_candidates(
                arena.scores(lineups[at]), arena.base, arena.scale, GRID_BINS, arena.ahead.ravel(), *arena.prize_table,
                arena.zone,
            )
            return owner + (first + at.start), *entry

        pieces = [tuple(getattr(self, name) for name in self._COLUMNS)]
        pieces += _in_threads(chunk, _chunks(len(lineups), POOL_CHUNK))
        self.lineups = np.concatenate([self.lineups, lineups])
        self.masks = np.concatenate([self.masks, _masks(lineups)])
        self.bound = np.concatenate([self.bound, alone / arena.n_scenarios])
        self.far = np.concatenate([self.far, far / arena.n_scenarios])
        self.open = np.concatenate([self.open, np.ones(len(lineups), dtype=bool)])
        self.stale = np.concatenate([self.stale, np.zeros(len(lineups), dtype=bool)])
        columns = [np.concatenate(column) for column in zip(*pieces)]
        fresh = slice(len(self.owner), None)
        owner, cell, frac, ahead, net = (column[fresh] for column in columns)
        net[:] = self._net(cell, frac, ahead)
        within = np.bincount(owner - first, weights=net, minlength=len(lineups)) / arena.n_scenarios
        self.n_entries = np.concatenate([self.n_entries, np.bincount(owner - first, minlength=len(lineups))])
        self.within = np.concatenate([self.within, within])
        # Every piece is in scenario order and candidates ascend from piece to piece:
        # a stable sort by scenario merges them (a radix sort when the scenario
        # numbers fit 16 bits).
        scen = columns[1] // self._WIDTH
        order = np.argsort(scen.astype(np.uint16) if arena.n_scenarios <= 65_536 else scen, kind="stable")
        self._store(*(column[order] for column in columns))

    _COLUMNS = ("owner", "cell", "frac", "ahead", "net")

    def _store(self, *columns: np.ndarray) -> None:
        for name, column in zip(self._COLUMNS, columns):
            setattr(self, name, column)
        # The cells of a scenario all lie in its row, so in scenario order the entries
        # at or past a row's first cell are those of that scenario and after.
        self.scenario_start = np.searchsorted(self.cell, np.arange(self.arena.n_scenarios + 1) * self._WIDTH)

    def _compact(self) -> None:
        """Forget the entries of candidates the controls have closed for good."""
        # Counted per candidate, as a look-up per entry costs more than most compactions.
        if self.n_entries[self.open].sum() < COMPACT_BELOW * len(self.owner):
            keep = self.open[self.owner]
            self._store(*(getattr(self, name)[keep] for name in self._COLUMNS))

    def _net(self, cell: np.ndarray, frac: np.ndarray, ahead: np.ndarray) -> np.ndarray:
        """Entries' prizes among the portfolio as it stands, less what they take from it."""
        return kernels.net(cell, frac, ahead, self.count_above.ravel(), self.loss.ravel(), *self.arena.prize_table)

    def choose(self, best: int) -> None:
        """Add candidate `best` to the portfolio and bring every open gain up to date."""
        arena = self.arena
        width = self._WIDTH
        self.open[best] = False
        self.size += 1
        position = arena.locate(arena.scores(self.lineups[best][None, :]))[:, 0]
        paid = np.flatnonzero(position >= 0)
        cell, frac = _cells(paid, position[paid], width)
        ahead = _lerp(arena.ahead.ravel(), cell, frac)
        near = ahead < arena.zone
        zone = paid[near]
        if not len(zone):
            return
        kernels.add_to_portfolio(
            zone, position[zone], cell[near], frac[near], ahead[near], self.n_members,
            self.position, self.field_ahead, self.own_ahead, self.count_above, self.loss, *arena.prize_table,
        )
        # Entries in these scenarios see a new portfolio.
        if self.size % 8 == 0:
            self._compact()
        change = np.zeros(len(self.within))
        kernels.renew(
            zone, self.scenario_start, self.owner, self.cell, self.frac, self.ahead, self.net, self.open & ~self.stale,
            self.count_above.ravel(), self.loss.ravel(), *arena.prize_table, change,
        )
        self.within += change / arena.n_scenarios

    def best(self, allowed: np.ndarray) -> int:
        """The allowed candidate of highest gain. When a stale one's bound reaches the
        best fresh gain, those within LAZY_SLACK below it are brought up to date too,
        so that the next few picks need no refresh."""
        while True:
            fresh = allowed & ~self.stale
            waiting = allowed & self.stale
            if not fresh.any():
                self._refresh(waiting)
                continue
            top = self.gain[fresh].max()
            if not (waiting & (self.bound >= top)).any():
                return int(np.flatnonzero(fresh)[np.argmax(self.gain[fresh])])
            self._refresh(waiting & (self.bound >= top - LAZY_SLACK * abs(top)))

    def set_aside(self, gain: float) -> None:
        """Stop keeping up to date the candidates whose bound is well below `gain`."""
        self.stale |= self.open & (self.bound < gain - 2 * LAZY_SLACK * abs(gain))

    def _refresh(self, due: np.ndarray) -> None:
        entries = np.flatnonzero(due[self.owner])
        net = self._net(self.cell[entries], self.frac[entries], self.ahead[entries])
        self.net[entries] = net
        within = np.bincount(self.owner[entries], weights=net, minlength=len(self.within)) / self.arena.n_scenarios
        self.within[due] = within[due]
        self.stale &= ~due


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
    over the scenarios `points` (scenarios × drivers); see the module docstring.

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

    everything = enumerate_lineups(salaries, controls)
    if len(everything) < n:
        raise PortfolioError(
            f"only {len(everything)} distinct lineups fit the cap, min salary, locks and excludes; {n} requested"
        )
    lap("enumerate")
    if field is None:
        field = sample_field(
            points.mean(axis=0), salaries, min(DEFAULT_FIELD_SIZE, payout.entries - n), style="sharp", seed=seed
        )
    arena = _Arena(points, field, payout, n)
    lap("field")
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
