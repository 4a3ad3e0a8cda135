"""Tournament portfolios: N lineups that together earn the most against a simulated field.

Objective
---------
The solver maximizes the portfolio's expected payout in the contest (`pitwall.contest`): over
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

Modules
-------
- `controls`: what the user asks (`Controls`) and the conflicts that rule it out
  (`PortfolioError`).
- `enumeration`: step 1, and the per-lineup sums and bit sets computed over it.
- `arena`: the field tabulated on the solving scenarios, its fitted top tail, and the
  screen of step 2.
- `screen`: which lineups get that screen at all.
- `selection`: the marginal portfolio payout of every pooled candidate (steps 3 and 4),
  kept exact incrementally.
- `greedy`: the pool, the controls as lineups are chosen, refills, and the error naming
  the binding control.
- `solver`: `solve`, its checks and stage timings, and the `Portfolio` it returns.
- `threads`: the thread pool the screen and the pool share.
The numba loops they call stay in `pitwall.kernels` (compiled once and cached there).

Every public name is importable from `pitwall.portfolio` itself, as before the split.
The tuning constants are re-exported for reading; to change one (a test, an
experiment), set it in the module that reads it, e.g. `pitwall.portfolio.selection.LAZY_SLACK`.
"""

from pitwall.portfolio.arena import GRID_BINS, SCREEN_CHUNK, TAIL_MIN, ZONE_TOLERANCE
from pitwall.portfolio.controls import Controls, PortfolioError
from pitwall.portfolio.enumeration import enumerate_lineups
from pitwall.portfolio.greedy import POOL_BASE, POOL_PER_LINEUP, POOL_PROJECTED, REFILL
from pitwall.portfolio.screen import PREFILTER_MIN, PREFILTER_SHARE, PREFILTER_SPREAD
from pitwall.portfolio.selection import COMPACT_BELOW, LAZY_SLACK, POOL_CHUNK
from pitwall.portfolio.solver import DEFAULT_FIELD_SIZE, Portfolio, solve
from pitwall.portfolio.threads import THREADS

__all__ = [
    "COMPACT_BELOW",
    "DEFAULT_FIELD_SIZE",
    "GRID_BINS",
    "LAZY_SLACK",
    "POOL_BASE",
    "POOL_CHUNK",
    "POOL_PER_LINEUP",
    "POOL_PROJECTED",
    "PREFILTER_MIN",
    "PREFILTER_SHARE",
    "PREFILTER_SPREAD",
    "REFILL",
    "SCREEN_CHUNK",
    "TAIL_MIN",
    "THREADS",
    "ZONE_TOLERANCE",
    "Controls",
    "Portfolio",
    "PortfolioError",
    "enumerate_lineups",
    "solve",
]
