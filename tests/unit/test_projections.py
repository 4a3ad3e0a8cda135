"""A player's projections: read from their CSV, and met by the race model's mean points, the race kept whole."""

import csv
import datetime as dt
import io
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from pitwall.calibration import calibrate
from pitwall.cli import app
from pitwall.history import History, slate_from_race
from pitwall.projections import fit_to_projections, read_projections
from pitwall.simulation import simulate
from pitwall.slate import SlateError, salaries_csv

DATE, TRACK = dt.date(2024, 11, 10), "Phoenix Raceway"


@pytest.fixture(scope="module")
def race():
    history = History.from_csv()
    slate, _ = slate_from_race(history, "Cup", DATE, TRACK)
    return history, slate, calibrate(history, slate)


def test_projections_are_read_by_name_or_id_and_the_drivers_left_out_are_listed(race):
    _, slate, _ = race
    first, second = slate.entries[0], slate.entries[1]
    by_name = read_projections(f"Name,Projection,Ceiling\n{first.name},45.5,80\n{second.name.upper()},30\n", slate)
    assert by_name.points[0] == 45.5 and by_name.points[1] == 30 and np.isnan(by_name.points[2:]).all()
    assert by_name.missing == tuple(slate.names[2:])
    by_id = read_projections(f"ID,Projection\n{first.dk_id},12\n", slate)
    assert by_id.points[0] == 12


def test_bad_projection_rows_are_all_named():
    history = History.from_csv()
    slate, _ = slate_from_race(history, "Cup", DATE, TRACK)
    with pytest.raises(SlateError) as error:
        read_projections(f"Name,Projection\nNobody Known,20\n{slate.names[0]},lots\n{slate.names[1]},-5\n", slate)
    assert [p.split(":")[0] for p in error.value.problems] == [
        "projections file", "projections file", "projections file"]
    assert "row 2, column 'Name'" in str(error.value) and "row 3, column 'Projection'" in str(error.value)
    with pytest.raises(SlateError, match="needs a driver column"):
        read_projections("Driver,Points\nA,1\n", slate)


def test_the_fitted_race_meets_each_projection_within_half_a_point_and_stays_one_race(race):
    _, slate, model = race
    n, seed = 10_000, 7
    base = simulate(model, n, seed).points.mean(axis=0)
    targets = np.clip(base + np.random.default_rng(3).normal(0, 5, len(base)), 2, None)
    targets[::4] = np.nan  # drivers without a projection keep the model's numbers
    fitted, unreachable = fit_to_projections(model, targets, n_scenarios=n, seed=seed)
    scenarios = simulate(fitted, n, seed)
    given = ~np.isnan(targets)
    assert np.abs(scenarios.points.mean(axis=0)[given] - targets[given]).max() <= 0.5
    assert unreachable == ()
    # Still one race: a permutation of the finishing positions, every lap led by somebody.
    assert (np.sort(scenarios.finish, axis=1) == np.arange(1, len(slate.entries) + 1)).all()
    assert (scenarios.laps_led.sum(axis=1) == model.laps).all()
    assert np.allclose(fitted.strength[~given], model.strength[~given])


def test_a_projection_past_what_the_race_allows_is_reported(race):
    _, _, model = race
    targets = np.full(model.drivers, np.nan)
    targets[0] = 260.0  # more than winning from last, leading every lap and running every fastest lap
    _, unreachable = fit_to_projections(model, targets, n_scenarios=1_000, seed=1)
    assert len(unreachable) == 1 and "projected 260.0" in unreachable[0]


def test_optimize_takes_projections_and_warns_about_drivers_left_out(race, tmp_path):
    _, slate, _ = race
    (tmp_path / "DKSalaries.csv").write_text(salaries_csv(slate))
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["Name", "Projection"])
    for entry in slate.entries[:-3]:
        writer.writerow([entry.name, 20 + entry.salary / 500])
    (tmp_path / "projections.csv").write_text(rows.getvalue())
    result = CliRunner().invoke(app, [
        "optimize", "--slate", str(tmp_path / "DKSalaries.csv"), "--track", TRACK, "--laps", "312",
        "--date", DATE.isoformat(), "--projections", str(tmp_path / "projections.csv"), "--lineups", "3",
        "--scenarios", "1000", "--entries", "500", "--out", str(tmp_path / "lineups.csv"),
        "--json", str(tmp_path / "summary.json"), "--quiet",
    ])
    assert result.exit_code == 0, result.output
    warnings = json.loads((tmp_path / "summary.json").read_text())["warnings"]
    assert any(slate.names[-1] in w and w.startswith("no projection for") for w in warnings)
    assert "warning: no projection for" in result.stderr


def test_ceilings_are_met_beside_the_means_by_the_dominance_tilt(race):
    _, slate, model = race
    n, seed = 10_000, 5
    base = simulate(model, n, seed).points
    mean, high = base.mean(axis=0), np.quantile(base, 0.85, axis=0)
    targets = np.full(model.drivers, np.nan)
    ceilings = np.full(model.drivers, np.nan)
    # Three front-runners: same mean, a higher ceiling (a dominator's upside); one with a lower ceiling.
    chosen = np.argsort(-mean)[:4]
    targets[chosen] = mean[chosen]
    ceilings[chosen[:3]] = high[chosen[:3]] + 8
    ceilings[chosen[3]] = high[chosen[3]] - 4
    fitted, unreachable = fit_to_projections(model, targets, ceilings=ceilings, n_scenarios=n, seed=seed)
    assert unreachable == ()
    scenarios = simulate(fitted, n, seed)
    assert np.abs(scenarios.points.mean(axis=0)[chosen] - targets[chosen]).max() <= 0.5
    assert np.abs(np.quantile(scenarios.points, 0.85, axis=0)[chosen] - ceilings[chosen]).max() <= 1.0
    assert (scenarios.laps_led.sum(axis=1) == model.laps).all()


def test_a_ceiling_column_may_leave_drivers_blank_and_may_not_sit_below_the_projection(race):
    _, slate, _ = race
    first, second = slate.entries[0], slate.entries[1]
    read = read_projections(f"Name,Projection,Ceiling\n{first.name},40,70\n{second.name},30,\n", slate)
    assert read.ceilings[0] == 70 and np.isnan(read.ceilings[1])
    with pytest.raises(SlateError, match="Ceiling is below his Projection"):
        read_projections(f"Name,Projection,Ceiling\n{first.name},40,35\n", slate)
