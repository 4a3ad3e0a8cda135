"""Compiled loops for the portfolio solver's hot paths, and the simulator's handing out of laps.

Each pick of the greedy touches a few hundred thousand entries scattered over the
scenarios the new lineup reaches. In numpy that is a dozen passes with a temporary
array each, and the memory traffic, not the arithmetic, is what costs; here it is one
pass. The arithmetic follows the numpy it replaced, in the same precision and order
(float32 prizes, float64 sums): on the speed benchmark's slate the portfolio came out
the same to the bit.

The per-scenario tables have a row of grid edges per scenario; `cell` is the flat index
of the edge below a score (see `portfolio._cells`) and `frac` how far past it.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _lerp(table, cell, frac):
    low = table[cell]
    return low + (table[cell + 1] - low) * frac


@njit(cache=True, nogil=True, inline="always")
def _prize(place, prizes, steps, paid):
    """`_Arena.prize` for one float32 place."""
    if place > paid:
        place = paid
    whole = np.floor(place)
    k = int(whole)
    return (place - whole) * steps[k] + prizes[k]


@njit(cache=True, nogil=True, inline="always")
def _net(c, f, ahead, count_above, loss, prizes, steps, paid):
    """An entry's prize among the portfolio as it stands, less what it takes from it."""
    place = _lerp(count_above, c, f) + ahead
    return _prize(place, prizes, steps, paid) - _lerp(loss, c, f)


@njit(cache=True, nogil=True)
def add_to_portfolio(
    zone, here, cell, frac, ahead, n_members, position, field_ahead, own_ahead, count_above, loss, prizes, steps, paid
):
    """Record a new lineup in the scenarios of `zone`, where it sits at grid position
    `here` with `ahead` opponents above it; update how many of ours are above each of
    our lineups and each edge, and rebuild the loss table of those scenarios: what a
    newcomer at each edge takes from the lineups it beats, each pushed a place down.

    Row z of `position`, `field_ahead` and `own_ahead` holds our `n_members[z]` lineups
    in the zone of scenario z, in the order they were added."""
    width = count_above.shape[1]
    one = np.float32(1)
    buf = np.empty(width, dtype=np.float64)
    for r in range(len(zone)):
        z = zone[r]
        h = here[r]
        n = n_members[z]
        for i in range(n):
            if position[z, i] < h:
                own_ahead[z, i] += one
        position[z, n] = h
        field_ahead[z, n] = ahead[r]
        own_ahead[z, n] = _lerp(count_above[z], cell[r] - z * width, frac[r])
        n += 1
        n_members[z] = n
        for k in range(width):
            if not np.float32(k) < h:
                break
            count_above[z, k] += one
        # Edges below the lowest of ours take nothing, and never have: the sum runs from there.
        low = width
        for i in range(n):
            low = min(low, int(position[z, i]) + 1)
        buf[low:] = 0.0
        for i in range(n):
            place = field_ahead[z, i] + own_ahead[z, i]
            drop = _prize(place, prizes, steps, paid) - _prize(place + one, prizes, steps, paid)
            edge = int(position[z, i]) + 1
            if edge < width:
                buf[edge] += drop
        total = 0.0
        for k in range(low, width):
            total += buf[k]
            loss[z, k] = total


@njit(cache=True, nogil=True)
def net(cell, frac, ahead, count_above, loss, prizes, steps, paid):
    """Entries' prizes among the portfolio as it stands, less what they take from it."""
    out = np.empty(len(cell), dtype=np.float32)
    for e in range(len(cell)):
        out[e] = _net(cell[e], frac[e], ahead[e], count_above, loss, prizes, steps, paid)
    return out


@njit(cache=True, nogil=True)
def renew(zone, scenario_start, owner, cell, frac, ahead, value, live, count_above, loss, prizes, steps, paid, change):
    """Recompute the `value` (see `net`) of the live candidates' entries in the
    scenarios of `zone`, adding each entry's change to its owner's `change`."""
    for r in range(len(zone)):
        z = zone[r]
        for e in range(scenario_start[z], scenario_start[z + 1]):
            o = owner[e]
            if not live[o]:
                continue
            now = _net(cell[e], frac[e], ahead[e], count_above, loss, prizes, steps, paid)
            change[o] += now - value[e]
            value[e] = now


@njit(cache=True, nogil=True)
def ahead_table(best_field, width, weight, base, scale, threshold, excess, tail):
    """Opponents ahead of each grid edge per scenario (`_Arena`): each sampled
    opponent in bin k or above counts `weight`; with `tail` > 0, above `threshold`
    the count is the exponential tail `weight * tail * exp(-(edge - threshold) / excess)`.
    An opponent's bin is its score's grid position (`_Arena.locate`) cut to a whole bin, at most the last
    (width - 2): found here, score by score, rather than as a table of every opponent's bin."""
    n_scenarios = best_field.shape[0]
    last = width - 2
    out = np.empty((n_scenarios, width), dtype=np.float32)
    counts = np.zeros(width, dtype=np.int64)
    for s in range(n_scenarios):
        counts[:] = 0
        for score in best_field[s]:
            # float32 arithmetic and a cut toward zero, as numpy's (x - base) * scale then astype(int64).
            b = np.int64((score - base[s]) * scale[s])
            counts[min(max(b, 0), last)] += 1
        running = 0
        for k in range(width - 1, -1, -1):
            running += counts[k]
            value = weight * running
            if tail > 0:
                edge = np.float64(base[s]) + k / np.float64(scale[s])
                rise = (edge - threshold[s]) / excess[s]
                if rise > 0:
                    value = weight * tail * np.exp(-rise)
            out[s, k] = value
    return out


@njit(cache=True, nogil=True)
def place_candidates(scores, base, scale, bins, opponents_ahead, prizes, steps, paid, zone):
    """Candidates' scores (scenarios × candidates) placed against the field alone
    (`_Arena.locate`, `portfolio._cells`).

    Returns each candidate's summed prize over all scenarios and over those where it
    stays below the zone, and, in scenario order, its entries: the scenarios where it
    reaches the zone, as (candidate, cell, frac, ahead, prize)."""
    n_scenarios, count = scores.shape
    width = bins + 1
    # At most one entry per score above the min cash line; counting them first is a
    # cheap branch-free pass, and saves a second pass of the placement below.
    most = 0
    for s in range(n_scenarios):
        for c in range(count):
            most += scores[s, c] >= base[s]
    owner = np.empty(most, dtype=np.intp)
    cells = np.empty(most, dtype=np.intp)
    fracs = np.empty(most, dtype=np.float32)
    aheads = np.empty(most, dtype=np.float32)
    prizes_near = np.empty(most, dtype=np.float32)
    alone = np.zeros(count)
    near = np.zeros(count)
    paid_here = np.empty(count, dtype=np.intp)
    e = 0
    for s in range(n_scenarios):
        # The candidates above the min cash line in this scenario, gathered without a
        # branch: which ones they are is a coin toss the processor cannot predict.
        n = 0
        for c in range(count):
            paid_here[n] = c
            n += scores[s, c] >= base[s]
        for i in range(n):
            c = paid_here[i]
            position = min((scores[s, c] - base[s]) * scale[s], np.float32(bins))
            whole = min(np.floor(position), np.float32(width - 2))
            cell = s * width + int(whole)
            frac = position - whole
            ahead = _lerp(opponents_ahead, cell, frac)
            prize = _prize(ahead, prizes, steps, paid)
            alone[c] += prize
            if ahead < zone:
                near[c] += prize
                owner[e], cells[e], fracs[e], aheads[e], prizes_near[e] = c, cell, frac, ahead, prize
                e += 1
    return alone, alone - near, owner[:e], cells[:e], fracs[:e], aheads[:e], prizes_near[:e]


@njit(cache=True, nogil=True)
def screen(lineups, table, pairs, line_mean, line_var, worth, out):
    """`_Arena.screen` per lineup: its mean and covariances with the lines are sums of
    its drivers' rows of `table` (mean, then one column per line), its variance the sum
    of `pairs` over its pairs of drivers; `out` gets the normal approximation of its
    payout, sum over lines of worth × P(score above the line)."""
    n_drivers = table.shape[0]
    n_lines = len(worth)
    sums = np.empty(n_lines + 1)
    for i in range(len(lineups)):
        sums[:] = 0.0
        var = 0.0
        for a in range(lineups.shape[1]):
            da = lineups[i, a]
            for col in range(n_lines + 1):
                sums[col] += table[da, col]
            for b in range(a, lineups.shape[1]):
                var += pairs[da * n_drivers + lineups[i, b]]
        value = 0.0
        for line in range(n_lines):
            spread = max(var - 2 * sums[line + 1] + line_var[line], 1e-9)
            z = (sums[0] - line_mean[line]) / np.sqrt(spread)
            value += worth[line] * 0.5 * math.erfc(-z / math.sqrt(2.0))
        out[i] = value


@njit(cache=True, nogil=True)
def combinations_within(pool, cost, size, cap, floor, out):
    """The `size`-subsets of `pool` (drivers sorted dearest first, with their `cost`)
    that cost between `floor` and `cap`, in lexicographic order of position, written to
    the rows of `out` if it has any; returns how many there are. A depth-first walk: with the dearest first, a
    prefix too dear skips to a cheaper next driver, and one too cheap even with the
    dearest drivers after it ends its branch."""
    n = len(cost)
    running = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        running[i + 1] = running[i] + cost[i]
    cheapest = np.zeros(size + 1, dtype=np.int64)  # the k cheapest drivers together
    for k in range(1, size + 1):
        cheapest[k] = cheapest[k - 1] + cost[n - k]
    fill = out.shape[0] > 0
    chosen = np.empty(size, dtype=np.int64)
    spend = np.zeros(size + 1, dtype=np.int64)
    count = 0
    slot = 0
    chosen[0] = -1
    while slot >= 0:
        chosen[slot] += 1
        j = chosen[slot]
        after = size - slot - 1
        if j > n - 1 - after:
            slot -= 1
            continue
        total = spend[slot] + cost[j]
        if total + cheapest[after] > cap:
            continue
        if total + running[j + 1 + after] - running[j + 1] < floor:
            slot -= 1
            continue
        if after == 0:
            if fill:
                for k in range(size):
                    out[count, k] = pool[chosen[k]]
            count += 1
            continue
        spend[slot + 1] = total
        slot += 1
        chosen[slot] = j
    return count


@njit(cache=True, nogil=True)
def sums(per_driver, lineups):
    """Each lineup's sum of a per-driver value, added in slot order."""
    out = np.empty(len(lineups), dtype=per_driver.dtype)
    for i in range(len(lineups)):
        total = per_driver[lineups[i, 0]]
        for k in range(1, lineups.shape[1]):
            total += per_driver[lineups[i, k]]
        out[i] = total
    return out


@njit(cache=True, nogil=True)
def hand_out(weight, lengths, draws):
    """Laps per scenario and driver (`simulation._hand_out`): in each row, stint t goes to the driver its draw
    falls on in the cumulative share of the weights (summed in float64 in driver order, as numpy's cumsum),
    the first driver whose share exceeds it, and its `lengths[t]` laps are counted to him. A row's draws are
    sorted, so one walk along the drivers serves them all."""
    size, drivers = weight.shape
    counts = np.zeros((size, drivers), dtype=np.int16)
    share = np.empty(drivers)
    for s in range(size):
        total = 0.0
        for j in range(drivers):
            total += weight[s, j]
            share[j] = total
        for j in range(drivers):
            share[j] /= total
        j = 0
        for t in range(draws.shape[1]):
            while j < drivers - 1 and share[j] <= draws[s, t]:
                j += 1
            counts[s, j] += lengths[s, t]
    return counts


def warm_up() -> None:
    """Ready the compiled loops. The first call of any of them in a process costs about
    0.4 s (numba starts its code generator, even to load cached code); a caller with
    other work to wait on can pay it in a thread meanwhile."""
    sums(np.zeros(1), np.zeros((1, 1), dtype=np.int16))
