"""A player's own projections: the race model's strengths shifted so its simulated mean DK points match them.

Players bring projections (a CSV with a driver column, `Name` or DraftKings' `ID`, and `Projection` in DK
points; `Ceiling` may be there and is read but not used yet). pitwall keeps its race: one finishing order
per scenario, one laps-led pool, DNFs, the grid. Only each projected driver's strength moves, found by a
damped Newton iteration on common random numbers: simulate, compare each driver's mean points with his
target, step his strength by part of the gap over the slope of his points on his strength, repeat.
Drivers without a projection keep the model's own numbers (their means move a little, since every driver
races against the others), and are listed so the player knows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pitwall.simulation import RaceModel, simulate
from pitwall.driver_values import read_driver_values
from pitwall.slate import Slate

ITERATIONS = 60
FIT_SCENARIOS = 4_000
# A projection further than this from what the fit reaches is reported (a target past what the race allows:
# a driver cannot average more than winning and leading every lap).
TOLERANCE = 0.25
# Strength steps are capped so one iteration cannot fling a driver to the front or the back; the slope of a
# driver's points on his strength is kept within bounds (a driver already last or first barely moves).
MAX_STEP = 1.0
DAMPING = 0.6
PROBE = 0.25
PROBE_SCENARIOS = 2_000
MIN_SLOPE, MAX_SLOPE = 1.0, 60.0


@dataclass(frozen=True)
class Projections:
    """Targets per slate entry (NaN: no projection) and the slate's drivers the file left out."""

    points: np.ndarray
    missing: tuple[str, ...]


def read_projections(text: str, slate: Slate) -> Projections:
    """Targets from a projections CSV (`pitwall.driver_values`), in DK points."""
    points, missing = read_driver_values(text, slate, "Projection", "projections file", 0, 200)
    return Projections(points=points, missing=missing)


def fit_to_projections(
    model: RaceModel, targets: np.ndarray, *, n_scenarios: int = FIT_SCENARIOS, seed: int = 0
) -> tuple[RaceModel, tuple[str, ...]]:
    """The model with each projected driver's strength moved so his simulated mean DK points over
    `n_scenarios` scenarios of `seed` (the solving scenarios, in a run) meet his target (NaN: leave him
    be); also the drivers whose target the race cannot reach, with the gap."""
    targets = np.asarray(targets, dtype=np.float64)
    given = ~np.isnan(targets)

    def means(strength: np.ndarray) -> np.ndarray:
        return simulate(replace(model, strength=strength), n_scenarios, seed).points.mean(axis=0).astype(np.float64)

    strength = model.strength.copy()
    mean = means(strength)
    # Each driver's points per unit of his own strength, from a small step of his alone (a step of them all
    # would mostly cancel out: only relative strength matters); the steps are damped because drivers share
    # one finishing order and one laps-led pool, so one's gain is partly another's loss.
    probe = min(n_scenarios, PROBE_SCENARIOS)
    probed = simulate(model, probe, seed).points.mean(axis=0)
    slope = np.full(len(strength), MIN_SLOPE)
    for i in np.flatnonzero(given):
        nudged = strength.copy()
        nudged[i] += PROBE
        moved = simulate(replace(model, strength=nudged), probe, seed).points.mean(axis=0)
        slope[i] = np.clip((moved[i] - probed[i]) / PROBE, MIN_SLOPE, MAX_SLOPE)
    for _ in range(ITERATIONS):
        gap = np.where(given, targets - mean, 0.0)
        if np.abs(gap).max() < TOLERANCE / 4:
            break
        strength = strength + np.clip(DAMPING * gap / slope, -MAX_STEP, MAX_STEP)
        mean = means(strength)
    fitted = replace(model, strength=strength)
    unreachable = tuple(
        f"{name}: projected {target:.1f}, the race reaches {reached:.1f}"
        for name, target, reached, ok in zip(model.names or [""] * len(targets), targets, mean, given)
        if ok and abs(target - reached) > TOLERANCE
    )
    return fitted, unreachable
