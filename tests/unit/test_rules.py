import csv
from importlib import resources

import numpy as np
import pytest

from pitwall.rules import (
    FINISH_POINTS,
    ROSTER_SIZE,
    SALARY_CAP,
    LineupError,
    cheapest_lineup_salary,
    dk_points,
    finish_points,
    validate_lineup,
)


def _row(driver: str, date: str, series: str = "Cup") -> dict[str, str]:
    with resources.files("pitwall").joinpath("data/race-logs-2019-2024.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["driver_name"] == driver and row["race_date"] == date and row["series"] == series:
                return row
    raise LookupError((driver, date))


def test_roster_and_cap():
    assert ROSTER_SIZE == 6
    assert SALARY_CAP == 50_000


def test_finish_table_matches_the_published_scoring():
    assert FINISH_POINTS[:10] == (45, 42, 41, 40, 39, 38, 37, 36, 35, 34)
    assert FINISH_POINTS[10] == 32 and FINISH_POINTS[19] == 23
    assert FINISH_POINTS[20] == 21 and FINISH_POINTS[29] == 12
    assert FINISH_POINTS[30] == 10 and FINISH_POINTS[39] == 1
    assert len(FINISH_POINTS) == 40
    assert finish_points(41) == 0 and finish_points(1) == 45
    np.testing.assert_array_equal(finish_points(np.array([1, 11, 21, 31, 40, 43])), [45, 32, 21, 10, 1, 0])


def test_finish_positions_start_at_one():
    with pytest.raises(ValueError):
        finish_points(0)


@pytest.mark.parametrize(
    ("driver", "date", "expected"),
    [
        # 2024 Phoenix finale: won from 2nd, led 107, 49 fastest laps: 45 + 1 + 26.75 + 22.05
        ("Joey Logano", "2024/11/10", 94.8),
        # same race, 17th to 2nd, led 12, 23 fastest laps: 42 + 15 + 3 + 10.35
        ("Ryan Blaney", "2024/11/10", 70.35),
        # 2024 Atlanta, crashed from 5th to 32nd, led 17, 5 fastest laps: 9 - 27 + 4.25 + 2.25
        ("Kyle Larson", "2024/02/25", -11.5),
    ],
)
def test_dk_points_of_real_rows_by_hand(driver, date, expected):
    row = _row(driver, date)
    points = dk_points(int(row["start"]), int(row["finish"]), int(row["laps_led"]), int(row["fastest_lap"]))
    assert points == pytest.approx(expected, abs=1e-4)


def test_dk_points_vectorized_agrees_with_scalars():
    start = np.array([[2, 17, 5]])
    finish = np.array([[1, 2, 32]])
    led = np.array([[107, 12, 17]])
    fastest = np.array([[49, 23, 5]])
    points = dk_points(start, finish, led, fastest)
    assert points.dtype == np.float32 and points.shape == (1, 3)
    np.testing.assert_allclose(points[0], [94.8, 70.35, -11.5], atol=1e-4)


def test_validate_lineup():
    salaries = [10_000, 9_000, 8_000, 7_000, 6_000, 5_000, 12_000]
    assert validate_lineup([0, 1, 2, 3, 4, 5], salaries) == 45_000
    with pytest.raises(LineupError, match="6 drivers"):
        validate_lineup([0, 1, 2, 3, 4], salaries)
    with pytest.raises(LineupError, match="repeated"):
        validate_lineup([0, 0, 2, 3, 4, 5], salaries)
    with pytest.raises(LineupError, match="cap"):
        validate_lineup([6, 0, 1, 2, 3, 4], salaries)
    with pytest.raises(LineupError, match="outside"):
        validate_lineup([0, 1, 2, 3, 4, 9], salaries)


def test_cheapest_lineup_salary():
    assert cheapest_lineup_salary([9_000, 5_000, 6_000, 7_000, 8_000, 10_000, 12_000]) == 45_000
    with pytest.raises(LineupError, match="at least 6"):
        cheapest_lineup_salary([5_000] * 5)
