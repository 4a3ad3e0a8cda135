"""`pitwall.contest.scoring.contest_payouts` as it was before it ranked scenario-major (commit 9d29c92), kept as the
reference bench/portfolio_speed.py times the evaluation against, side by side, and checks to the bit."""

from __future__ import annotations

import numpy as np

from pitwall.contest.errors import ContestError
from pitwall.contest.field import Field
from pitwall.contest.payout import PayoutTable
from pitwall.contest.scoring import lineup_scores, quantized


def contest_payouts(
    lineups: np.ndarray,
    points: np.ndarray,
    field: Field,
    payout: PayoutTable,
    *,
    chunk: int = 1000,
) -> tuple[np.ndarray, np.ndarray]:
    """Prize and place of each lineup in each scenario: (payout, ahead), each lineups × scenarios.

    Our lineups play against each other as well as the field; `ahead` counts entries
    (ours and opponents, weighted) strictly above a lineup. It is exact within the paid
    places; a lineup out of the money may be placed lower than it finished, since only
    the opponents who can still be paid are ranked.
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
    prize = np.zeros((n, n_scenarios))
    ahead = np.zeros((n, n_scenarios))
    for start in range(0, n_scenarios, chunk):
        part = slice(start, min(start + chunk, n_scenarios))
        ours = lineup_scores(lineups, steps[part])  # n × c
        # Scenario-major so each scenario's field is one contiguous row to sort.
        everyone = np.ascontiguousarray(lineup_scores(field.lineups, steps[part]).T)  # c × F
        theirs = everyone
        if contenders < field.size:
            theirs = np.partition(everyone, field.size - contenders, axis=1)[:, field.size - contenders :]
        theirs = np.sort(theirs, axis=1)
        # Opponents tied with the last contender but left out still share its places.
        line = theirs[:, :1]
        left_out = (everyone == line).sum(axis=1) - (theirs == line).sum(axis=1)
        ranked = theirs.shape[1]
        width = ours.shape[1]
        # One sorted axis for all scenarios: offset each scenario's scores past the last.
        low = min(int(theirs.min()), int(ours.min()))
        span = max(int(theirs.max()), int(ours.max())) - low + 1
        offset = np.arange(width, dtype=np.int64) * span
        keys = (theirs.astype(np.int64) - low + offset[:, None]).ravel()
        query = ours.astype(np.int64) - low + offset[None, :]
        first_of = (np.arange(width) * ranked)[None, :]
        below_or_equal = np.searchsorted(keys, query, side="right") - first_of
        strictly_below = np.searchsorted(keys, query, side="left") - first_of
        field_ahead = weight * (ranked - below_or_equal)
        field_ahead[below_or_equal == 0] = opponents  # under every contender: past the paid places
        field_tied = weight * (below_or_equal - strictly_below + (ours == line.T) * left_out[None, :])
        own_ahead = (ours[None, :, :] > ours[:, None, :]).sum(axis=1)
        own_tied = (ours[None, :, :] == ours[:, None, :]).sum(axis=1)  # itself included
        ahead[:, part] = field_ahead + own_ahead
        prize[:, part] = payout.share(field_ahead + own_ahead, field_tied + own_tied)
    return prize, ahead
