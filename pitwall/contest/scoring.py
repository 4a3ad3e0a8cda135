"""The exact contest: every lineup's score, place and prize in every scenario, ties included.

Apart from the field (which only supplies opponents) and from evaluation (which only
summarizes prizes and places): this is the ranking itself, where weights and ties must
be exact.

Contest size
------------
A contest of `entries` entries is played by our n lineups and `entries - n` opponents.
The field holds F sampled lineups; each stands for `(entries - n) / F` opponents (with
F = entries - n it is the contest exactly). Ranks, ties and prizes are computed with
that weight, so a tie shares the prizes of all the places the tied entries occupy.

Scores are compared at DraftKings' own resolution (0.05 point): two lineups tie when
their DK points are equal to the hundredth, and a tie splits the prizes of the places
the tied entries occupy.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from pitwall.contest.errors import ContestError
from pitwall.contest.field import Field
from pitwall.contest.payout import PayoutTable
from pitwall.rules import ROSTER_SIZE

# DraftKings points move in steps of 0.05 (0.25 a lap led, 0.45 a fastest lap, whole
# points otherwise): scores in twentieths of a point are exact integers and ties are real.
SCORE_STEPS_PER_POINT = 20
# Lineups at which scoring switches from gathered rows to a matrix product.
MATMUL_FROM = 64
# Scenarios whose field scores are ranked at a time, here and in the solver's arena: a chunk's scores (chunk ×
# field, float32) stay in cache between the product and the partition.
SCENARIO_CHUNK = 250
# Threads ranking chunks of scenarios at once.
THREADS = os.cpu_count() or 1


def quantized(points: np.ndarray) -> np.ndarray:
    """Driver points in twentieths of a point (int32), so lineup sums tie exactly."""
    return np.rint(np.asarray(points, dtype=np.float64) * SCORE_STEPS_PER_POINT).astype(np.int32)


def lineup_scores(lineups: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Scores (lineups × scenarios) of lineups given as driver indices, in `points` units.

    Many lineups are scored as one product of their driver incidence with the points (a
    BLAS call, several times faster than adding six gathered rows). On quantized points
    (integers far below 2**24) float32 sums are exact.
    """
    lineups = np.asarray(lineups, dtype=np.intp)
    points = np.asarray(points)
    if len(lineups) >= MATMUL_FROM and lineups.shape[1] == ROSTER_SIZE:
        holds = np.zeros((len(lineups), points.shape[1]), dtype=np.float32)
        np.put_along_axis(holds, lineups, np.float32(1), axis=1)
        total = holds @ np.ascontiguousarray(points.T, dtype=np.float32)
        return np.rint(total).astype(points.dtype) if np.issubdtype(points.dtype, np.integer) else total
    by_driver = np.ascontiguousarray(points.T)
    total = by_driver[lineups[:, 0]].copy()
    for slot in range(1, lineups.shape[1]):
        total += by_driver[lineups[:, slot]]
    return total


def contest_payouts(
    lineups: np.ndarray,
    points: np.ndarray,
    field: Field,
    payout: PayoutTable,
    *,
    chunk: int = SCENARIO_CHUNK,
) -> tuple[np.ndarray, np.ndarray]:
    """Prize and place of each lineup in each scenario: (payout, ahead), each lineups × scenarios.

    Our lineups play against each other as well as the field; `ahead` counts entries
    (ours and opponents, weighted) strictly above a lineup. It is exact within the paid
    places; a lineup out of the money may be placed lower than it finished, since only
    the opponents who can still be paid are ranked.

    The field's scores are the bulk of the work and the same whoever plays it, so they are laid
    out the way they are ranked: scenario-major, straight out of one float32 product (integer
    twentieths far below 2**24, so exact), with nothing converted or transposed at the field's
    size. Our lineups are placed among the contenders and among themselves by binary search in
    the same sorted, scenario-major order (a comparison of every pair of our lineups would cost
    n² per scenario).
    """
    lineups = np.asarray(lineups, dtype=np.intp)
    n = len(lineups)
    opponents = payout.entries - n
    if opponents < 1:
        raise ContestError(f"{n} lineups fill a contest of {payout.entries} entries")
    weight = opponents / field.size
    # Only the opponents who can finish in the money need ranking; the rest are behind
    # the min cash line whatever happens.
    contenders = min(field.size, int(np.ceil(payout.paid_places / weight)) + 1)
    steps = quantized(points)
    n_scenarios = steps.shape[0]
    holds_ours = _incidence(lineups, steps.shape[1])
    holds_field = _incidence(field.lineups, steps.shape[1])
    prize = np.zeros((n, n_scenarios))
    ahead = np.zeros((n, n_scenarios))

    def rank(part: slice) -> None:
        by_scenario = steps[part].astype(np.float32)
        ours = by_scenario @ holds_ours  # c × n
        everyone = by_scenario @ holds_field  # c × F
        # Partitioned and sorted in place (a scenario's scores only move within its row): no copy of the
        # field's scores, the bulk of the memory traffic.
        cut = field.size - contenders
        if cut > 0:
            everyone.partition(cut, axis=1)
        theirs = everyone[:, cut:]
        theirs.sort(axis=1)
        # Opponents tied with the last contender but left out (all below the cut) still share its places.
        line = theirs[:, :1]
        left_out = (everyone[:, :cut] == line).sum(axis=1)
        width, ranked = theirs.shape
        # One sorted axis for all scenarios: offset each scenario's scores past the last.
        low = int(min(theirs.min(), ours.min()))
        span = int(max(theirs.max(), ours.max())) - low + 1
        offset = (np.arange(width, dtype=np.int64) * span)[:, None]
        keys = (theirs.astype(np.int64) - low + offset).ravel()
        # Our lineups in score order within each scenario (and so in one ascending run over the chunk): a
        # binary search of ascending queries starts where the last one ended, and the prize look-up walks
        # the payout table in order too; every value is computed for its own lineup and put back at the end.
        order = np.argsort(ours, axis=1)
        ours = np.take_along_axis(ours, order, axis=1)
        query = (ours.astype(np.int64) - low + offset).ravel()
        first_of = np.arange(width)[:, None] * ranked
        below_or_equal = np.searchsorted(keys, query, side="right").reshape(width, n) - first_of
        strictly_below = np.searchsorted(keys, query, side="left").reshape(width, n) - first_of
        field_ahead = weight * (ranked - below_or_equal)
        field_ahead[below_or_equal == 0] = opponents  # under every contender: past the paid places
        field_tied = weight * (below_or_equal - strictly_below + (ours == line) * left_out[:, None])
        first_ours = np.arange(width)[:, None] * n
        own_at_most = np.searchsorted(query, query, side="right").reshape(width, n) - first_ours
        own_below = np.searchsorted(query, query, side="left").reshape(width, n) - first_ours
        own_ahead = n - own_at_most
        own_tied = own_at_most - own_below  # itself included
        places = field_ahead + own_ahead
        prizes = payout.share(places, field_tied + own_tied)
        for into, value in ((ahead, places), (prize, prizes)):
            back = np.empty_like(value)
            np.put_along_axis(back, order, value, axis=1)
            into[:, part] = back.T

    chunks = [slice(start, min(start + chunk, n_scenarios)) for start in range(0, n_scenarios, chunk)]
    if THREADS == 1 or len(chunks) == 1:
        for part in chunks:
            rank(part)
        return prize, ahead
    # Chunks side by side on every core (sorting, partitioning, searching and BLAS release the GIL), each
    # writing only its own columns, so the result is the same on any number of threads; BLAS threads of
    # their own beside them would only spin on the same cores.
    with threadpool_limits(1, user_api="blas"):
        list(_threads().map(rank, chunks))
    return prize, ahead


def _incidence(lineups: np.ndarray, n_drivers: int) -> np.ndarray:
    """drivers × lineups, 1 where a lineup holds a driver: scores of a scenario-major points block by one product."""
    holds = np.zeros((len(lineups), n_drivers), dtype=np.float32)
    np.put_along_axis(holds, np.asarray(lineups, dtype=np.intp), np.float32(1), axis=1)
    return np.ascontiguousarray(holds.T)


@functools.cache
def _threads() -> ThreadPoolExecutor:
    # One pool for the process: a backtest evaluates race after race.
    return ThreadPoolExecutor(THREADS, thread_name_prefix="pitwall-contest")
