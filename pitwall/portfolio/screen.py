"""Which of the enumerated lineups get the arena's screen, and the rank of those that do not.

Apart because it is a cost decision (how much of the enumeration is worth a screen),
tuned on past slates, and independent of both the screen itself and selection.
"""

from __future__ import annotations

import numpy as np

from pitwall.portfolio.arena import _Arena
from pitwall.portfolio.enumeration import _sums

PREFILTER_SPREAD = 1.5
PREFILTER_SHARE = 0.25
PREFILTER_MIN = 200_000


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
