"""Race simulation: many joint outcomes of one race, as DraftKings points and their parts.

Each scenario is one race:

* Every driver gets a race-day performance `strength + Gumbel noise`; sorting it gives a
  Plackett–Luce finishing order, one joint permutation per scenario.
* Each driver fails to finish with their own DNF probability; DNFs are placed behind every
  finisher (ordered among themselves by the same performance) and are credited only the
  share of the race they completed when leads and fast laps are handed out.
* Laps led: the race's laps are cut into `lead_stints` stints at random points; each stint
  goes to one driver drawn in proportion to exp(lead_focus × performance + lead_bias), so
  the cars running up front in that scenario lead, tilted toward the drivers whose record
  says they lead more than their finishes (`lead_bias`, from calibration); a higher focus or
  fewer stints concentrate the laps on one dominant car (as on short tracks) while
  superspeedways spread them. Laps led sum exactly to the race's laps.
* Fastest laps: the same, with a pool of round(green_share × laps) (fastest laps are
  only set under green) cut into `fast_stints` stints with their own focus and tilt.

Randomness is drawn in fixed blocks of `BLOCK` scenarios, each from its own seed
(`SeedSequence(seed, spawn_key=(block,))`), so any shard of the scenario rows is
identical to the same rows of an unsharded run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pitwall.newcomers import Newcomer
from pitwall.rules import dk_points

BLOCK = 1024


@dataclass(frozen=True)
class RaceModel:
    """Everything the simulator needs about one race, one value per slate entry."""

    starts: np.ndarray
    laps: int
    track_type: str
    strength: np.ndarray
    dnf: np.ndarray
    lead_focus: float
    lead_stints: int
    fast_focus: float
    fast_stints: int
    green_share: float
    # Per driver, the log tilt of the laps led / fastest laps he is handed beyond his race-day performance
    # (`pitwall.calibration.dominance`); None: none.
    lead_bias: np.ndarray | None = None
    fast_bias: np.ndarray | None = None
    names: tuple[str, ...] = field(default=())
    # Drivers with no result in the series, racing with the newcomer prior.
    newcomers: tuple[Newcomer, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", np.asarray(self.starts, dtype=np.int64))
        object.__setattr__(self, "strength", np.asarray(self.strength, dtype=np.float64))
        object.__setattr__(self, "dnf", np.clip(np.asarray(self.dnf, dtype=np.float64), 0.0, 1.0))
        n = len(self.starts)
        if self.strength.shape != (n,) or self.dnf.shape != (n,):
            raise ValueError("starts, strength and dnf need one value per driver")
        if self.laps < 1 or self.lead_stints < 1 or self.fast_stints < 1:
            raise ValueError("laps and stints must be positive")

    @property
    def drivers(self) -> int:
        return len(self.starts)

    @property
    def fastest_lap_pool(self) -> int:
        return max(1, int(round(self.green_share * self.laps)))


@dataclass(frozen=True)
class Scenarios:
    """Simulated races: one row per scenario, one column per slate entry."""

    points: np.ndarray  # float32 DraftKings points
    finish: np.ndarray
    laps_led: np.ndarray
    fastest_laps: np.ndarray

    def __len__(self) -> int:
        return self.points.shape[0]

    @classmethod
    def concat(cls, parts: Sequence[Scenarios]) -> Scenarios:
        """Shards joined in the order given (shard 0 first gives the unsharded rows)."""
        if not parts:
            raise ValueError("nothing to concatenate")
        return cls(
            points=np.concatenate([p.points for p in parts]),
            finish=np.concatenate([p.finish for p in parts]),
            laps_led=np.concatenate([p.laps_led for p in parts]),
            fastest_laps=np.concatenate([p.fastest_laps for p in parts]),
        )


def shard_rows(n_scenarios: int, shard: int, shards: int) -> range:
    """The scenario rows shard `shard` of `shards` produces (contiguous, near-equal)."""
    if shards < 1 or not 0 <= shard < shards:
        raise ValueError(f"shard {shard} of {shards} does not exist")
    return range(n_scenarios * shard // shards, n_scenarios * (shard + 1) // shards)


def simulate(model: RaceModel, n_scenarios: int, seed: int, *, shard: int = 0, shards: int = 1) -> Scenarios:
    """Simulate `n_scenarios` races (or the rows of one shard of them), reproducibly."""
    if n_scenarios < 1:
        raise ValueError("n_scenarios must be positive")
    rows = shard_rows(n_scenarios, shard, shards)
    parts = []
    for block in range(rows.start // BLOCK, (rows.stop - 1) // BLOCK + 1 if len(rows) else rows.start // BLOCK):
        first = block * BLOCK
        size = min(BLOCK, n_scenarios - first)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))
        outcome = _simulate_block(model, rng, size)
        keep = slice(max(rows.start, first) - first, min(rows.stop, first + size) - first)
        parts.append(tuple(a[keep] for a in outcome))
    if not parts:
        empty = np.zeros((0, model.drivers))
        return Scenarios(empty.astype(np.float32), *(empty.astype(np.int16) for _ in range(3)))
    return Scenarios(*(np.concatenate(column) for column in zip(*parts)))


def _gumbel(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    uniform = rng.random(shape, dtype=np.float32)
    np.maximum(uniform, np.float32(1e-12), out=uniform)
    return -np.log(-np.log(uniform))


def _simulate_block(model: RaceModel, rng: np.random.Generator, size: int):
    drivers = model.drivers
    performance = _gumbel(rng, (size, drivers))
    performance += model.strength.astype(np.float32)
    # One uniform per driver decides both whether they finish and, for a DNF, how much
    # of the race they ran: dnf iff u < p, and then u / p is uniform on [0, 1).
    fate = rng.random((size, drivers), dtype=np.float32)
    dnf_p = model.dnf.astype(np.float32)
    out = fate < dnf_p
    completed = np.where(out, fate / np.maximum(dnf_p, np.float32(1e-9)), np.float32(1.0))

    # Finishers sorted by performance first, then DNFs: shift DNFs below every finisher.
    order_key = performance - out * np.float32(1e4)
    order = np.argsort(-order_key, axis=1)
    finish = np.empty((size, drivers), dtype=np.int16)
    np.put_along_axis(finish, order, np.arange(1, drivers + 1, dtype=np.int16)[None, :], axis=1)

    top = performance.max(axis=1, keepdims=True)
    relative = performance - top
    laps_led = _allocate(rng, _holding(model.lead_focus, relative, model.lead_bias) * completed, model.laps,
                         model.lead_stints)
    fastest = _allocate(rng, _holding(model.fast_focus, relative, model.fast_bias) * completed,
                        model.fastest_lap_pool, model.fast_stints)
    points = dk_points(model.starts[None, :], finish, laps_led, fastest).astype(np.float32)
    return points, finish, laps_led, fastest


def _holding(focus: float, relative: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """Each driver's weight for a stint of laps: his race-day performance, focused, and his tilt."""
    exponent = np.float32(focus) * relative
    if bias is not None:
        exponent += bias.astype(np.float32)
    return np.exp(exponent)


def _allocate(rng: np.random.Generator, weight: np.ndarray, total: int, stints: int) -> np.ndarray:
    """Split `total` laps into `stints` random stints, each to a driver drawn ∝ weight."""
    return _hand_out(weight, *_stints(rng, len(weight), total, stints))


def _stints(rng: np.random.Generator, size: int, total: int, stints: int) -> tuple[np.ndarray, np.ndarray]:
    """The random half of `_allocate`, apart so a search over weights can draw it once: per scenario, the
    stints' lengths and, sorted, the uniform draws that pick their holders."""
    stints = max(1, min(stints, total))
    cuts = np.sort(rng.integers(0, total + 1, size=(size, stints - 1), dtype=np.int32), axis=1)
    edges = np.concatenate(
        [np.zeros((size, 1), np.int32), cuts, np.full((size, 1), total, np.int32)], axis=1
    )
    # Draws are sorted within their row so the queries of `_hand_out` arrive in order (several times
    # faster); stint lengths are exchangeable, so which stint gets which draw is moot.
    return np.diff(edges, axis=1), np.sort(rng.random((size, stints)), axis=1)


def _hand_out(weight: np.ndarray, lengths: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Laps per scenario and driver: each stint to the driver its draw falls on in the weights' CDF."""
    # Imported here: the API reads scenarios' types from this module and never simulates, so it loads no numba.
    from pitwall import kernels

    return kernels.hand_out(weight, lengths, draws)
