"""The opponents: the ownership model and the field of lineups drawn from it.

Apart from scoring and payouts because it is a model of people (how they pick drivers
and spend their salary): it changes when we learn how real fields play, not when the
contest's rules do.

Ownership model
---------------
Opponents do not see our scenarios; they see projections (mean DK points) and salaries,
the same numbers every DFS site publishes. A driver's pull on the field is

    pull_i = sharpness * (z(projection_i) + z(points per $1000_i))

where z is a standardized score across the slate. Each opponent adds his own
disagreement (normal noise of scale `noise`, one draw per opponent and driver) and
Gumbel noise to the pulls, takes his five favourite drivers (a Plackett–Luce draw
without replacement, so popular drivers are popular without every opponent owning
them), then finishes the lineup with his favourite driver whose salary lands it between
the field's spending floor and the $50,000 cap, as people fill the last slot with the
money left. A lineup no driver can finish is redrawn. On a slate whose favourites are all
cheap (value plays starting at the back), lineups of them cannot reach the floor; there
opponents lean toward dearer drivers, a salary term added to the pull just large enough
that 5% of draws are legal. Ownership is then simply the share of field lineups holding
a driver.

Two fields are provided: `sharp` (concentrated on projection and value, spends at least
$49,000, little disagreement) and `weak` (flatter, noisier, spends at least $46,500).
Both derive from the same projections our model uses, so any edge a portfolio shows
comes from the shape of the scenarios (variance, correlation, leverage against
ownership), not from knowing the mean better than the field.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pitwall.contest.errors import ContestError
from pitwall.rules import ROSTER_SIZE, SALARY_CAP


@dataclass(frozen=True)
class FieldStyle:
    """How an opponent builds lineups: see the module docstring."""

    name: str
    sharpness: float
    noise: float
    min_salary: int


SHARP = FieldStyle("sharp", sharpness=1.1, noise=0.35, min_salary=49_000)
WEAK = FieldStyle("weak", sharpness=0.45, noise=0.9, min_salary=46_500)
# Probe draws per salary lean, the share of them that must be legal, the largest lean.
PROBE = 1024
MIN_LEGAL = 0.05
MAX_LEAN = 10.0
FIELD_STYLES = {style.name: style for style in (SHARP, WEAK)}


def _standardized(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


def field_pull(projection: np.ndarray, salaries: np.ndarray, style: FieldStyle) -> np.ndarray:
    """Each driver's pull on the field, from projection and value (points per $1000)."""
    projection = np.asarray(projection, dtype=np.float64)
    value = projection / (np.asarray(salaries, dtype=np.float64) / 1000.0)
    return style.sharpness * (_standardized(projection) + _standardized(value))


@dataclass(frozen=True)
class Field:
    """Opponent lineups (F × 6 driver indices) sampled from the ownership model."""

    lineups: np.ndarray
    style: str
    seed: int

    @property
    def size(self) -> int:
        return len(self.lineups)

    def ownership(self, n_drivers: int) -> np.ndarray:
        """Share of field lineups that hold each driver."""
        return np.bincount(self.lineups.ravel(), minlength=n_drivers) / max(len(self.lineups), 1)


def sample_field(
    projection: np.ndarray,
    salaries: np.ndarray,
    size: int,
    *,
    style: str | FieldStyle = "sharp",
    seed: int,
    cap: int = SALARY_CAP,
) -> Field:
    """`size` legal opponent lineups drawn from the ownership model (module docstring)."""
    kind = FIELD_STYLES[style] if isinstance(style, str) else style
    salaries = np.asarray(salaries, dtype=np.int64)
    n_drivers = len(salaries)
    if n_drivers < ROSTER_SIZE:
        raise ContestError(f"a field needs at least {ROSTER_SIZE} drivers, got {n_drivers}")
    pull = field_pull(projection, salaries, kind)
    rng = np.random.default_rng(seed)
    # A slate whose best lineups all leave money on the table still gets a field: the
    # floor drops to what the richest legal lineup can spend.
    richest = _richest_lineup(salaries, cap)
    floor = min(kind.min_salary, richest)
    # Where the favourites are so cheap that lineups of them cannot reach the floor,
    # opponents lean toward dearer drivers: a salary term joins the pull, raised until
    # enough draws are legal (people spend their cap).
    tilt = _standardized(salaries.astype(np.float64))
    lean = 0.0
    while _draw(pull + lean * tilt, kind.noise, salaries, cap, floor, PROBE, rng).shape[0] < MIN_LEGAL * PROBE:
        lean += 0.25
        if lean > MAX_LEAN:
            raise ContestError(f"could not draw legal {kind.name} lineups from this slate")
    kept: list[np.ndarray] = []
    have = 0
    while have < size:
        good = _draw(pull + lean * tilt, kind.noise, salaries, cap, floor, max(2 * (size - have), 1024), rng)
        kept.append(good)
        have += len(good)
    lineups = np.concatenate(kept)[:size].astype(np.int16)
    return Field(lineups=lineups, style=kind.name, seed=seed)


def _draw(pull, noise, salaries, cap, floor, batch, rng) -> np.ndarray:
    """Legal lineups from `batch` opponents (module docstring), sorted within a lineup."""
    n_drivers = len(salaries)
    logits = pull + noise * rng.standard_normal((batch, n_drivers)) + rng.gumbel(size=(batch, n_drivers))
    # Five drivers by preference, then the most preferred driver whose salary lands the
    # lineup between the floor and the cap: how people finish a lineup.
    first = np.argpartition(-logits, ROSTER_SIZE - 2, axis=1)[:, : ROSTER_SIZE - 1]
    spent = salaries[first].sum(axis=1)
    fits = (salaries[None, :] <= (cap - spent)[:, None]) & (salaries[None, :] >= (floor - spent)[:, None])
    np.put_along_axis(fits, first, False, axis=1)
    last = np.argmax(np.where(fits, logits, -np.inf), axis=1)
    good = fits.any(axis=1)
    return np.sort(np.concatenate([first, last[:, None]], axis=1)[good], axis=1)


def _richest_lineup(salaries: np.ndarray, cap: int) -> int:
    """Salary of the most expensive lineup under the cap (small knapsack by DP)."""
    # reach[k, s]: some k drivers cost exactly s.
    reach = np.zeros((ROSTER_SIZE + 1, cap + 1), dtype=bool)
    reach[0, 0] = True
    for salary in salaries:
        if salary > cap:
            continue
        reach[1:, salary:] |= reach[:-1, : cap + 1 - salary]
    top = np.flatnonzero(reach[ROSTER_SIZE])
    if not len(top):
        raise ContestError(f"no lineup fits the ${cap:,} cap")
    return int(top[-1])
