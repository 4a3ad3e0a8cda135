"""A player's projected ownership: the contest's opponents drawn to hold each driver as often as he says.

The file is a CSV with a driver column (`Name`, or DraftKings' `ID`) and `Ownership`, percent of field
lineups holding the driver (`12.5` or `12.5%`). Six drivers make a lineup, so a whole slate's ownership sums
to 600%: a file that does not is scaled to it, and said so. Drivers the file leaves out share what it left of
the 600% in proportion to how a weak field (`pitwall.contest.field`) would own them, and are named.

The field is then the ownership style's opponents (`OWNERSHIP_STYLE`: their disagreement and spending floor)
with pulls fitted to those shares (`fit_pull`), in the solver's field and in the evaluation's alike, so the
portfolio is built and judged against the field the player expects. Shares the cap rules out (two of the
dearest drivers in nearly every lineup) are met as nearly as the rules allow, and reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pitwall.contest.field import WEAK, FieldStyle, fit_pull, sample_field
from pitwall.driver_values import read_driver_values
from pitwall.rules import ROSTER_SIZE
from pitwall.slate import Slate, SlateError

# Opponents given ownership: the weak field's spending floor (some real lineups leave money unspent) and a
# disagreement between the two built-in styles; the pulls themselves come from the file.
OWNERSHIP_STYLE = FieldStyle("ownership", sharpness=0.0, noise=0.5, min_salary=46_000)
# A file's total further than this from 600% is reported as scaled; a fitted share further than this from
# its target is reported as missed (ownership points, as shares).
TOTAL_TOLERANCE = 0.05
REPORT_GAP = 0.02
# Lineups of the weak field drawn to share out what a file leaves for the drivers it does not list.
FILL_FIELD = 4_000


@dataclass(frozen=True)
class Ownership:
    """Target share of field lineups per slate entry (summing to six) and what was not taken as given."""

    shares: np.ndarray
    warnings: tuple[str, ...]


def ownership_percent(text: str, slate: Slate) -> tuple[np.ndarray, tuple[str, ...]]:
    """The file's percent per slate entry (NaN: left out) and the names it left out; every bad row named."""
    return read_driver_values(text, slate, "Ownership", "ownership file", 0, 100, unit="%")


def read_ownership(text: str, slate: Slate, projection: np.ndarray, seed: int) -> Ownership:
    """Targets from an ownership CSV (module docstring); `projection` (mean DK points) shares out the
    ownership of the drivers the file leaves out."""
    percent, missing = ownership_percent(text, slate)
    shares = percent / 100
    given = ~np.isnan(shares)
    warnings: list[str] = []
    left = ROSTER_SIZE - shares[given].sum()
    if missing:
        weak = sample_field(projection, slate.salaries, FILL_FIELD, style=WEAK, seed=seed).ownership(len(shares))
        fill = weak[~given] / max(weak[~given].sum(), 1e-12) * max(left, 0.0)
        shares[~given] = fill
        warnings.append(f"no ownership for {', '.join(missing)}: {max(left, 0) * 100:.0f}% shared out among them "
                        "as a weak field would own them")
    total = shares.sum()
    if total <= 0:
        raise SlateError("ownership file: every driver is at 0%")
    if abs(total - ROSTER_SIZE) > TOTAL_TOLERANCE * ROSTER_SIZE:
        warnings.append(f"ownership sums to {total * 100:.0f}%, scaled to {ROSTER_SIZE * 100}% (six drivers a lineup)")
    return Ownership(shares=shares * ROSTER_SIZE / total, warnings=tuple(warnings))


def ownership_pull(ownership: Ownership, slate: Slate, seed: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """Pulls under which `OWNERSHIP_STYLE`'s opponents own the slate as `ownership` says, and the
    ownership's warnings with a line for each driver the field could not match."""
    pull, reached = fit_pull(ownership.shares, slate.salaries, style=OWNERSHIP_STYLE, seed=seed)
    missed = tuple(
        f"{name}: ownership {target:.1%} cannot be met under the cap, the field owns {got:.1%}"
        for name, target, got in zip(slate.names, ownership.shares, reached)
        if abs(target - got) > REPORT_GAP
    )
    return pull, ownership.warnings + missed
