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

A player's ownership
--------------------
Players who know how the field will play (projected ownership, percent of lineups per
driver) give it, and the pulls are fitted to it instead of read from projections
(`fit_pull`): the style's disagreement and salary floor are kept, opponents pick in order
of preference but only drivers the rest of the lineup can still be built around (so the
most owned drivers may also be the dearest), and each driver's pull moves by the log of his
target share over the share a probe field gives him, until they agree. Because opponents
still draw from shared favourites, popular combinations repeat: duplicate lineups come out
of the model as they do in real fields.
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
# The opponents a portfolio is solved against when the player says nothing of the field. Both styles draw from
# pitwall's own projections; real opponents do not see those, and the solver fading its own favourites as the
# sharp field would own them cost it on 2021–2023's actual results (docs/backtest.md, chosen there).
DEFAULT_STYLE = WEAK.name
# Fitting pulls to an ownership file: probe lineups per round (common random numbers, so rounds compare),
# rounds at most, the step taken of the log gap, and the gap in ownership points that counts as met.
FIT_PROBE = 20_000
FIT_ROUNDS = 30
FIT_STEP = 0.8
FIT_TOLERANCE = 0.005
# A target share of 0 cannot be a log; such drivers get this share's pull and stay all but absent.
FLOOR_SHARE = 1e-4


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

    def copies_of(self, lineups: np.ndarray) -> np.ndarray:
        """How many field lineups hold exactly the six drivers of each of `lineups`."""
        lineups = np.asarray(lineups)
        base = int(max(self.lineups.max(initial=0), lineups.max(initial=0))) + 1
        weights = base ** np.arange(ROSTER_SIZE, dtype=np.int64)
        field = np.sort(np.sort(self.lineups, axis=1).astype(np.int64) @ weights)
        wanted = np.sort(lineups, axis=1).astype(np.int64) @ weights
        return np.searchsorted(field, wanted, side="right") - np.searchsorted(field, wanted, side="left")


def sample_field(
    projection: np.ndarray,
    salaries: np.ndarray,
    size: int,
    *,
    style: str | FieldStyle = DEFAULT_STYLE,
    seed: int,
    cap: int = SALARY_CAP,
    pull: np.ndarray | None = None,
) -> Field:
    """`size` legal opponent lineups drawn from the ownership model (module docstring); `pull`, when
    given (`fit_pull`), replaces the pulls read from `projection`."""
    kind = _style(style)
    salaries = np.asarray(salaries, dtype=np.int64)
    n_drivers = len(salaries)
    if n_drivers < ROSTER_SIZE:
        raise ContestError(f"a field needs at least {ROSTER_SIZE} drivers, got {n_drivers}")
    # Pulls fitted to a player's ownership come with the draw they were fitted under.
    draw = _draw if pull is None else _draw_within_budget
    pull = field_pull(projection, salaries, kind) if pull is None else np.asarray(pull, dtype=np.float64)
    rng = np.random.default_rng(seed)
    floor = _floor(salaries, kind, cap)
    # Where the favourites are so cheap that lineups of them cannot reach the floor,
    # opponents lean toward dearer drivers: a salary term joins the pull, raised until
    # enough draws are legal (people spend their cap).
    tilt = _standardized(salaries.astype(np.float64))
    lean = 0.0
    while draw(pull + lean * tilt, kind.noise, salaries, cap, floor, PROBE, rng).shape[0] < MIN_LEGAL * PROBE:
        lean += 0.25
        if lean > MAX_LEAN:
            raise ContestError(f"could not draw legal {kind.name} lineups from this slate")
    kept: list[np.ndarray] = []
    have = 0
    while have < size:
        good = draw(pull + lean * tilt, kind.noise, salaries, cap, floor, max(2 * (size - have), 1024), rng)
        kept.append(good)
        have += len(good)
    lineups = np.concatenate(kept)[:size].astype(np.int16)
    return Field(lineups=lineups, style=kind.name, seed=seed)


def fit_pull(
    ownership: np.ndarray, salaries: np.ndarray, *, style: str | FieldStyle = "sharp", seed: int,
    cap: int = SALARY_CAP,
) -> tuple[np.ndarray, np.ndarray]:
    """Pulls under which the style's opponents own each driver at `ownership` (share of lineups holding
    him, summing to six over the slate), and the shares a probe field reaches with them: a target the
    cap or the floor puts out of reach (every lineup cannot hold two of the dearest drivers) is met as
    nearly as the rules allow, and the caller compares the two."""
    kind = _style(style)
    salaries = np.asarray(salaries, dtype=np.int64)
    target = np.clip(np.asarray(ownership, dtype=np.float64), FLOOR_SHARE, 1.0)
    floor = _floor(salaries, kind, cap)
    pull = np.log(target)
    pull -= pull.mean()
    reached = np.zeros_like(target)
    for _ in range(FIT_ROUNDS):
        probe = _draw_within_budget(pull, kind.noise, salaries, cap, floor, FIT_PROBE, np.random.default_rng(seed))
        if not len(probe):
            raise ContestError("no legal lineup can be drawn toward this ownership")
        reached = np.bincount(probe.ravel(), minlength=len(salaries)) / len(probe)
        if np.abs(reached - target).max() < FIT_TOLERANCE:
            break
        pull += FIT_STEP * (np.log(target) - np.log(np.maximum(reached, FLOOR_SHARE)))
        pull -= pull.mean()
    return pull, reached


def _style(style: str | FieldStyle) -> FieldStyle:
    return FIELD_STYLES[style] if isinstance(style, str) else style


def _floor(salaries: np.ndarray, kind: FieldStyle, cap: int) -> int:
    """The least a field lineup spends. A slate whose best lineups all leave money on the table still
    gets a field: the floor drops to what the richest legal lineup can spend."""
    return min(kind.min_salary, _richest_lineup(salaries, cap))


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


def _draw_within_budget(pull, noise, salaries, cap, floor, batch, rng) -> np.ndarray:
    """Legal lineups from `batch` opponents who pick in order of preference, each pick a driver the
    rest of the lineup can still be built around (under the cap, able to reach the floor), sorted
    within a lineup. The draw of a field fitted to ownership: the unbudgeted one (`_draw`) runs out of
    legal lineups when the most owned drivers are also the dearest."""
    n_drivers = len(salaries)
    logits = pull + noise * rng.standard_normal((batch, n_drivers)) + rng.gumbel(size=(batch, n_drivers))
    order = np.argsort(-logits, axis=1)
    ascending = np.sort(salaries)
    # Cheapest and dearest k drivers of the slate: bounds on what the slots still open can cost.
    cheapest = np.concatenate([[0], np.cumsum(ascending)])
    dearest = np.concatenate([[0], np.cumsum(ascending[::-1])])
    picks = np.zeros((batch, ROSTER_SIZE), dtype=np.int64)
    taken = np.zeros(batch, dtype=np.int64)
    spent = np.zeros(batch, dtype=np.int64)
    for column in range(n_drivers):
        driver = order[:, column]
        cost = spent + salaries[driver]
        after = ROSTER_SIZE - taken - 1
        ok = (taken < ROSTER_SIZE) & (cost + cheapest[np.maximum(after, 0)] <= cap) & (
            cost + dearest[np.maximum(after, 0)] >= floor)
        rows = np.flatnonzero(ok)
        picks[rows, taken[rows]] = driver[rows]
        taken[rows] += 1
        spent[rows] = cost[rows]
    done = (taken == ROSTER_SIZE) & (spent <= cap) & (spent >= floor)
    return np.sort(picks[done], axis=1)


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
