"""DraftKings NASCAR Classic: roster, salary cap and scoring (the table in force since 2021)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

ROSTER_SIZE = 6
SALARY_CAP = 50_000
ROSTER_POSITION = "D"

# Finish points by position, 1st first; a finish below 40th scores nothing.
FINISH_POINTS: tuple[int, ...] = (
    (45, 42, 41, 40, 39, 38, 37, 36, 35, 34)
    + tuple(range(32, 22, -1))
    + tuple(range(21, 11, -1))
    + tuple(range(10, 0, -1))
)
PLACE_DIFFERENTIAL_POINTS = 1.0
LAP_LED_POINTS = 0.25
FASTEST_LAP_POINTS = 0.45

# Index 0 is unused so a finishing position indexes the table directly; positions past
# the end are clipped onto the trailing zero.
_FINISH_TABLE = np.array((0,) + FINISH_POINTS + (0,), dtype=np.float32)


def finish_points(finish):
    """Finish points for finishing positions (scalar or array; 1 is the winner)."""
    positions = np.asarray(finish)
    if np.any(positions < 1):
        raise ValueError("finishing positions start at 1")
    points = _FINISH_TABLE[np.clip(positions, 0, len(_FINISH_TABLE) - 1)]
    return points if points.ndim else float(points)


def dk_points(start, finish, laps_led, fastest_laps):
    """DraftKings points: finish points, place differential, laps led and fastest laps.

    Arguments broadcast like numpy arrays; scalars give a float, arrays a float32 array.
    """
    start_a = np.asarray(start)
    finish_a = np.asarray(finish)
    points = (
        np.asarray(finish_points(finish_a), dtype=np.float32)
        + np.float32(PLACE_DIFFERENTIAL_POINTS) * (start_a - finish_a).astype(np.float32)
        + np.float32(LAP_LED_POINTS) * np.asarray(laps_led, dtype=np.float32)
        + np.float32(FASTEST_LAP_POINTS) * np.asarray(fastest_laps, dtype=np.float32)
    )
    return points if points.ndim else float(points)


class LineupError(ValueError):
    """A lineup DraftKings would reject."""


def validate_lineup(
    lineup: Sequence[int], salaries: Sequence[int] | np.ndarray, *, cap: int = SALARY_CAP
) -> int:
    """Check a lineup of driver indices against the roster rules; return its salary.

    Raises `LineupError` for the wrong number of drivers, a repeated driver, an index
    outside the slate, or a salary over the cap.
    """
    drivers = [int(i) for i in lineup]
    if len(drivers) != ROSTER_SIZE:
        raise LineupError(f"a lineup has {ROSTER_SIZE} drivers, got {len(drivers)}")
    if len(set(drivers)) != ROSTER_SIZE:
        repeated = sorted({i for i in drivers if drivers.count(i) > 1})
        raise LineupError(f"driver index repeated in lineup: {repeated}")
    salary_of = np.asarray(salaries)
    outside = [i for i in drivers if not 0 <= i < len(salary_of)]
    if outside:
        raise LineupError(f"driver index outside the slate of {len(salary_of)}: {outside}")
    total = int(salary_of[drivers].sum())
    if total > cap:
        raise LineupError(f"lineup salary ${total:,} is over the ${cap:,} cap")
    return total


def cheapest_lineup_salary(salaries: Sequence[int] | np.ndarray) -> int:
    """Salary of the cheapest possible lineup (the slate is playable iff it fits the cap)."""
    salary_of = np.sort(np.asarray(salaries, dtype=np.int64))
    if len(salary_of) < ROSTER_SIZE:
        raise LineupError(f"a slate needs at least {ROSTER_SIZE} drivers, got {len(salary_of)}")
    return int(salary_of[:ROSTER_SIZE].sum())
