"""A player's own projections: the race model shifted so its simulated DK points match them.

Players bring projections (a CSV with a driver column, `Name` or DraftKings' `ID`, `Projection` in DK
points, and optionally `Ceiling`: the score the driver reaches in his best 15% of races, his 85th
percentile). pitwall keeps its race: one finishing order per scenario, one laps-led pool, DNFs, the grid.
Only each projected driver's strength moves, and, where a ceiling is given, his dominance tilt (how many
laps led and fastest laps come his way beyond his running order, `pitwall.calibration.dominance`): the
mean follows strength most, the ceiling follows the tilt most. Both are found by a damped Newton iteration
on common random numbers: simulate, compare each driver's mean (and 85th percentile) with his targets,
step by part of the gap through the slopes of his points on his strength (and tilt), repeat.
Drivers without a projection keep the model's own numbers (their means move a little, since every driver
races against the others), and are listed so the player knows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pitwall.simulation import RaceModel, simulate
from pitwall.driver_values import header_of, read_driver_values
from pitwall.slate import Slate, SlateError

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


# The ceiling is this quantile of a driver's DK points; a ceiling further than CEILING_TOLERANCE points from
# what the fit reaches is reported. The tilt moves by at most MAX_TILT_STEP an iteration and stays within
# ±MAX_TILT of the model's own.
CEILING_QUANTILE = 0.85
CEILING_TOLERANCE = 1.0
TILT_PROBE = 0.5
MAX_TILT_STEP = 1.0
MAX_TILT = 4.0


@dataclass(frozen=True)
class Projections:
    """Targets per slate entry (NaN: none given) and the slate's drivers the file left out."""

    points: np.ndarray
    missing: tuple[str, ...]
    ceilings: np.ndarray | None = None


def read_projections(text: str, slate: Slate) -> Projections:
    """Targets from a projections CSV (`pitwall.driver_values`), in DK points; `Ceiling` when the file has it."""
    points, missing = read_driver_values(text, slate, "Projection", "projections file", 0, 200)
    ceilings = None
    if "Ceiling" in header_of(text):
        ceilings, _ = read_driver_values(text, slate, "Ceiling", "projections file", 0, 300, blank_ok=True)
        below = [name for name, p, c in zip(slate.names, points, ceilings) if c < p]
        if below:
            raise SlateError([f"projections file: {name}'s Ceiling is below his Projection" for name in below])
    return Projections(points=points, missing=missing, ceilings=ceilings)


def fit_to_projections(
    model: RaceModel, targets: np.ndarray, *, ceilings: np.ndarray | None = None,
    n_scenarios: int = FIT_SCENARIOS, seed: int = 0,
) -> tuple[RaceModel, tuple[str, ...]]:
    """The model with each projected driver's strength (and, with a ceiling, his dominance tilt) moved so his
    simulated mean DK points (and 85th percentile) over `n_scenarios` scenarios of `seed` (the solving
    scenarios, in a run) meet his targets (NaN: leave him be); also the targets the race cannot reach."""
    targets = np.asarray(targets, dtype=np.float64)
    given = ~np.isnan(targets)
    ceilings = np.full(len(targets), np.nan) if ceilings is None else np.asarray(ceilings, dtype=np.float64)
    capped = given & ~np.isnan(ceilings)
    zero = np.zeros(model.drivers)
    lead = zero if model.lead_bias is None else np.asarray(model.lead_bias, dtype=np.float64)
    fast = zero if model.fast_bias is None else np.asarray(model.fast_bias, dtype=np.float64)

    def shaped(strength: np.ndarray, tilt: np.ndarray) -> RaceModel:
        # The tilt moves laps led and fastest laps together: both are what a dominant car takes.
        return replace(model, strength=strength, lead_bias=lead + tilt, fast_bias=fast + tilt)

    def outcome(strength: np.ndarray, tilt: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        points = simulate(shaped(strength, tilt), n, seed).points
        return points.mean(axis=0).astype(np.float64), np.quantile(points, CEILING_QUANTILE, axis=0)

    strength, tilt = model.strength.copy(), zero.copy()
    mean, ceiling = outcome(strength, tilt, n_scenarios)
    # Each driver's points per unit of his own strength (and tilt), from a small step of his alone (a step of
    # them all would mostly cancel out: only relative strength matters); the steps are damped because drivers
    # share one finishing order and one laps-led pool, so one's gain is partly another's loss.
    probe = min(n_scenarios, PROBE_SCENARIOS)
    probed_mean, probed_ceiling = outcome(strength, tilt, probe)
    slope = np.full(len(strength), MIN_SLOPE)
    # Per capped driver: d(mean, ceiling) / d(strength, tilt).
    jacobian = np.zeros((len(strength), 2, 2))
    for i in np.flatnonzero(given):
        nudged = strength.copy()
        nudged[i] += PROBE
        moved_mean, moved_ceiling = outcome(nudged, tilt, probe)
        slope[i] = np.clip((moved_mean[i] - probed_mean[i]) / PROBE, MIN_SLOPE, MAX_SLOPE)
        if capped[i]:
            tilted = tilt.copy()
            tilted[i] += TILT_PROBE
            tilted_mean, tilted_ceiling = outcome(strength, tilted, probe)
            jacobian[i] = [[slope[i], (tilted_mean[i] - probed_mean[i]) / TILT_PROBE],
                           [(moved_ceiling[i] - probed_ceiling[i]) / PROBE,
                            (tilted_ceiling[i] - probed_ceiling[i]) / TILT_PROBE]]
    for _ in range(ITERATIONS):
        gap = np.where(given, targets - mean, 0.0)
        reach = np.where(capped, ceilings - ceiling, 0.0)
        if np.abs(gap).max() < TOLERANCE / 4 and np.abs(reach).max() < CEILING_TOLERANCE / 4:
            break
        step = DAMPING * gap / slope
        turn = np.zeros_like(tilt)
        for i in np.flatnonzero(capped):
            # Both targets at once where the two slopes tell them apart; else the mean alone.
            if abs(np.linalg.det(jacobian[i])) > 1e-3 * MIN_SLOPE:
                step[i], turn[i] = DAMPING * np.linalg.solve(jacobian[i], [gap[i], reach[i]])
        strength = strength + np.clip(step, -MAX_STEP, MAX_STEP)
        tilt = np.clip(tilt + np.clip(turn, -MAX_TILT_STEP, MAX_TILT_STEP), -MAX_TILT, MAX_TILT)
        mean, ceiling = outcome(strength, tilt, n_scenarios)
    names = model.names or ("",) * len(targets)
    unreachable = tuple(
        f"{name}: projected {target:.1f}, the race reaches {reached:.1f}"
        for name, target, reached, ok in zip(names, targets, mean, given)
        if ok and abs(target - reached) > TOLERANCE
    ) + tuple(
        f"{name}: ceiling {target:.1f}, the race reaches {reached:.1f}"
        for name, target, reached, ok in zip(names, ceilings, ceiling, capped)
        if ok and abs(target - reached) > CEILING_TOLERANCE
    )
    return (shaped(strength, tilt) if capped.any() else replace(model, strength=strength)), unreachable
