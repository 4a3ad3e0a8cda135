"""A simulated tournament: the opponents' lineups, the payout table, and how a portfolio fares.

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

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pitwall.rules import ROSTER_SIZE, SALARY_CAP

# DraftKings points move in steps of 0.05 (0.25 a lap led, 0.45 a fastest lap, whole
# points otherwise): scores in twentieths of a point are exact integers and ties are real.
SCORE_STEPS_PER_POINT = 20
# Lineups at which scoring switches from gathered rows to a matrix product.
MATMUL_FROM = 64


class ContestError(ValueError):
    """A payout table or field that cannot describe a contest."""


# -- payouts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PayoutTable:
    """Prizes by finishing place in a contest of `entries` entries at `entry_fee` each.

    `prizes[0]` is first place; places past `len(prizes)` win nothing.
    """

    entries: int
    entry_fee: float
    prizes: tuple[float, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "prizes", tuple(float(p) for p in self.prizes))
        if self.entries < 2:
            raise ContestError(f"a contest needs at least 2 entries, got {self.entries}")
        if self.entry_fee <= 0:
            raise ContestError(f"the entry fee must be positive, got {self.entry_fee}")
        if not self.prizes or len(self.prizes) > self.entries:
            raise ContestError(f"{len(self.prizes)} paid places for {self.entries} entries")
        if any(p < 0 for p in self.prizes) or any(a < b for a, b in zip(self.prizes, self.prizes[1:])):
            raise ContestError("prizes must be non-negative and never rise with a worse place")
        if self.pool > self.entries * self.entry_fee + 1e-6:
            raise ContestError(f"prizes ${self.pool:,.2f} exceed the entry fees ${self.entries * self.entry_fee:,.2f}")

    @property
    def pool(self) -> float:
        return float(sum(self.prizes))

    @property
    def rake(self) -> float:
        return 1.0 - self.pool / (self.entries * self.entry_fee)

    @property
    def paid_places(self) -> int:
        return len(self.prizes)

    @property
    def top_places(self) -> int:
        """Places that make the top 1% (at least first place)."""
        return max(1, self.entries // 100)

    @classmethod
    def gpp(
        cls,
        entries: int = 10_000,
        entry_fee: float = 20.0,
        *,
        rake: float = 0.15,
        paid_fraction: float = 0.22,
        first_share: float = 0.12,
        min_cash_multiple: float = 2.0,
    ) -> PayoutTable:
        """A DraftKings-style guaranteed prize pool.

        The defaults are the shape of a typical DraftKings NASCAR GPP: 15% rake, the top
        22% cash, first place takes 12% of the pool, a min cash of twice the fee, and
        prizes in between falling as a power of the place (steep at the top, flat at the
        bottom), with the exponent chosen so the prizes add up to the pool.
        """
        if not 0 <= rake < 1:
            raise ContestError(f"rake must be in [0, 1), got {rake}")
        paid = max(1, int(round(entries * paid_fraction)))
        pool = entries * entry_fee * (1 - rake)
        first = pool * first_share
        floor = entry_fee * min_cash_multiple
        if paid == 1:
            return cls(entries, entry_fee, (pool,))
        if floor * paid > pool or first < floor or first + floor * (paid - 1) > pool:
            raise ContestError("the pool cannot pay that first prize, min cash and number of places")
        places = np.arange(1, paid + 1, dtype=np.float64)

        def total(exponent: float) -> np.ndarray:
            shape = (places**-exponent - paid**-exponent) / (1 - paid**-exponent)
            return floor + (first - floor) * shape

        low, high = 1e-3, 20.0  # the pool shrinks as the exponent grows
        for _ in range(100):
            mid = (low + high) / 2
            if total(mid).sum() > pool:
                low = mid
            else:
                high = mid
        prizes = np.floor(total(high) * 100) / 100  # cents, never over the pool
        return cls(entries, entry_fee, tuple(prizes.tolist()))

    @classmethod
    def from_csv(cls, text: str, *, entries: int, entry_fee: float) -> PayoutTable:
        """Prizes from rows `first_place,last_place,prize` (a header row is allowed)."""
        prizes: dict[int, float] = {}
        for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
            cells = [c.strip().replace("$", "").replace(",", "") for c in row]
            if not any(cells):
                continue
            try:
                first, last, prize = int(cells[0]), int(cells[1]), float(cells[2])
            except (ValueError, IndexError):
                if number == 1:
                    continue
                raise ContestError(f"payout file: row {number}: expected first_place,last_place,prize") from None
            for place in range(first, last + 1):
                prizes[place] = prize
        if not prizes or sorted(prizes) != list(range(1, len(prizes) + 1)):
            raise ContestError("payout file: places must run from 1 without gaps")
        return cls(entries, entry_fee, tuple(prizes[p] for p in sorted(prizes)))

    def cumulative(self) -> np.ndarray:
        """cumulative()[k]: prizes of the first k places together (k = 0 … entries)."""
        out = np.zeros(self.entries + 1)
        out[1 : len(self.prizes) + 1] = np.cumsum(self.prizes)
        out[len(self.prizes) + 1 :] = out[len(self.prizes)]
        return out

    def share(self, ahead: np.ndarray, tied: np.ndarray) -> np.ndarray:
        """Prize of one entry with `ahead` entries above it and `tied` entries (itself
        included) on its score: the tied entries split the places they occupy.

        Both may be fractional (a field lineup standing for several opponents).
        """
        cumulative = self.cumulative()
        grid = np.arange(len(cumulative), dtype=np.float64)
        ahead = np.asarray(ahead, dtype=np.float64)
        tied = np.asarray(tied, dtype=np.float64)
        return (np.interp(ahead + tied, grid, cumulative) - np.interp(ahead, grid, cumulative)) / tied


# -- ownership and field ---------------------------------------------------------------


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


# -- scoring ---------------------------------------------------------------------------


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


# -- evaluation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Metrics:
    """How a portfolio fares over scenarios: per lineup arrays and portfolio totals."""

    scenarios: int
    scenario_seed: int | None
    field_style: str
    field_size: int
    contest_entries: int
    entry_fee: float
    lineup_roi: np.ndarray
    lineup_top1: np.ndarray
    lineup_win: np.ndarray
    lineup_cash: np.ndarray
    lineup_mean: np.ndarray
    roi: float
    roi_se: float
    top1_rate: float
    top1_se: float
    any_top1_rate: float
    win_rate: float
    cash_rate: float
    expected_best: float
    exposures: np.ndarray
    mean_overlap: float
    scenario_roi: np.ndarray  # the portfolio's ROI in each scenario, for paired comparisons
    scenario_top1: np.ndarray  # share of its lineups in the top 1%, per scenario

    def summary(self, names: Sequence[str] | None = None) -> dict:
        """Plain JSON-ready numbers."""
        exposures = {
            (names[i] if names is not None else str(i)): round(float(e), 4)
            for i, e in enumerate(self.exposures)
            if e > 0
        }
        return {
            "scenarios": self.scenarios,
            "scenario_seed": self.scenario_seed,
            "field": {"style": self.field_style, "lineups": self.field_size},
            "contest": {"entries": self.contest_entries, "entry_fee": self.entry_fee},
            "roi": round(self.roi, 4),
            "roi_se": round(self.roi_se, 4),
            "top1_rate": round(self.top1_rate, 5),
            "top1_se": round(self.top1_se, 5),
            "any_top1_rate": round(self.any_top1_rate, 5),
            "win_rate": round(self.win_rate, 5),
            "cash_rate": round(self.cash_rate, 5),
            "expected_best_score": round(self.expected_best, 2),
            "mean_overlap": round(self.mean_overlap, 3),
            "exposures": dict(sorted(exposures.items(), key=lambda kv: -kv[1])),
            "lineups": [
                {
                    "roi": round(float(r), 4),
                    "top1_rate": round(float(t), 5),
                    "win_rate": round(float(w), 5),
                    "cash_rate": round(float(c), 5),
                    "mean_points": round(float(m), 2),
                }
                for r, t, w, c, m in zip(
                    self.lineup_roi, self.lineup_top1, self.lineup_win, self.lineup_cash, self.lineup_mean
                )
            ],
        }


def mean_overlap(lineups: np.ndarray, n_drivers: int) -> float:
    """Mean number of drivers two lineups of the portfolio share."""
    lineups = np.asarray(lineups, dtype=np.intp)
    if len(lineups) < 2:
        return 0.0
    holds = np.zeros((len(lineups), n_drivers), dtype=np.int32)
    np.put_along_axis(holds, lineups, 1, axis=1)
    shared = holds @ holds.T
    upper = np.triu_indices(len(lineups), k=1)
    return float(shared[upper].mean())


def evaluate(
    lineups: np.ndarray,
    points: np.ndarray,
    field: Field,
    payout: PayoutTable,
    *,
    scenario_seed: int | None = None,
) -> Metrics:
    """Metrics of a portfolio over scenarios (`points`, scenarios × drivers).

    ROI is (prizes − fees) / fees, per lineup and for the portfolio as a whole. Top 1%,
    win and cash count a lineup whose place (after splitting ties) is in the top 1% of
    the contest, first, or paid. Standard errors are over scenarios. `scenario_seed` is
    only recorded, so reports can show the scenarios are not the ones solved on.
    """
    lineups = np.asarray(lineups, dtype=np.intp)
    if lineups.ndim != 2 or lineups.shape[1] != ROSTER_SIZE or not len(lineups):
        raise ContestError(f"lineups must be a non-empty n × {ROSTER_SIZE} array of driver indices")
    points = np.asarray(points)
    prize, ahead = contest_payouts(lineups, points, field, payout)
    n, n_scenarios = prize.shape
    fee = payout.entry_fee
    top1 = ahead < payout.top_places
    win = ahead < 1
    cash = prize > 0
    per_scenario_roi = (prize.sum(axis=0) - n * fee) / (n * fee)
    per_scenario_top1 = top1.mean(axis=0)
    se = np.sqrt(n_scenarios)
    scores = lineup_scores(lineups, points)
    return Metrics(
        scenarios=n_scenarios,
        scenario_seed=scenario_seed,
        field_style=field.style,
        field_size=field.size,
        contest_entries=payout.entries,
        entry_fee=fee,
        lineup_roi=(prize.mean(axis=1) - fee) / fee,
        lineup_top1=top1.mean(axis=1),
        lineup_win=win.mean(axis=1),
        lineup_cash=cash.mean(axis=1),
        lineup_mean=scores.mean(axis=1),
        roi=float(per_scenario_roi.mean()),
        roi_se=float(per_scenario_roi.std(ddof=1) / se) if n_scenarios > 1 else 0.0,
        top1_rate=float(per_scenario_top1.mean()),
        top1_se=float(per_scenario_top1.std(ddof=1) / se) if n_scenarios > 1 else 0.0,
        any_top1_rate=float(top1.any(axis=0).mean()),
        win_rate=float(win.mean()),
        cash_rate=float(cash.mean()),
        expected_best=float(scores.max(axis=0).mean()),
        exposures=np.bincount(lineups.ravel(), minlength=points.shape[1]) / n,
        mean_overlap=mean_overlap(lineups, points.shape[1]),
        scenario_roi=per_scenario_roi,
        scenario_top1=per_scenario_top1,
    )
