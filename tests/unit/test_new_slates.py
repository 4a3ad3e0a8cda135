"""Slates with drivers and venues the history has never seen, through the command line.

The history is the bundled file with some of a 2024 slate's drivers held out (every row: a true
debut; or only their Cup rows: a lower-series driver moving up) and venues renamed to names no
track map knows, so each case is a real race and field, not a toy one.
"""

import csv
import datetime as dt
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from pitwall.calibration import calibrate
from pitwall.cli import app
from pitwall.history import History, bundled_results, slate_from_race
from pitwall.newcomers import AVERAGE_DRIVER, describe, spelled_as_known
from pitwall.rules import ROSTER_SIZE, SALARY_CAP
from pitwall.slate import salaries_csv

DATE = dt.date(2024, 3, 10)
TRACK = "Phoenix Raceway"
NEW_TRACK = "Desert Mile"  # Phoenix, renamed: a venue no track map knows
DEBUTS = ("Kaz Grala", "Ryan Preece")  # no results anywhere in the held-out history
MOVING_UP = "Carson Hocevar"  # Truck results kept, Cup results held out


def _held_out_rows(last: dt.date) -> list[dict]:
    with open(bundled_results(), newline="") as handle:
        rows = []
        for row in csv.DictReader(handle):
            date = dt.date.fromisoformat(row["race_date"].replace("/", "-"))
            if date > last or row["driver_name"] in DEBUTS or (row["driver_name"] == MOVING_UP and row["series"] == "Cup"):
                continue
            if row["track_name"] == TRACK:
                row["track_name"] = NEW_TRACK
            if row["track_name"] == "Circuit of The Americas":
                row["track_name"] = "Hill Country Circuit"
            rows.append(row)
    return rows


def _write(path, rows) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("new-slates")
    slate, _ = slate_from_race(History.from_csv(), "Cup", DATE, TRACK)
    names = set(slate.names)
    assert set(DEBUTS) <= names and MOVING_UP in names, "the held-out drivers race on this slate"
    (folder / "DKSalaries.csv").write_text(salaries_csv(slate))
    _write(folder / "history.csv", _held_out_rows(DATE - dt.timedelta(days=1)))
    _write(folder / "season.csv", _held_out_rows(dt.date(2024, 3, 31)))
    return folder


def test_a_slate_with_unknown_drivers_and_venue_optimizes_and_lists_them(files):
    out, summary = files / "lineups.csv", files / "summary.json"
    result = CliRunner().invoke(app, [
        "optimize", "--slate", str(files / "DKSalaries.csv"), "--track", NEW_TRACK, "--date", DATE.isoformat(),
        "--laps", "312", "--history", str(files / "history.csv"), "--track-type", f"{NEW_TRACK}=short",
        "--lineups", "5", "--scenarios", "1000", "--entries", "500", "--json", str(summary), "--out", str(out),
        "--quiet",
    ])
    assert result.exit_code == 0, result.output
    report = json.loads(summary.read_text())
    assert report["slate"]["track_type"] == "short"
    reasons = {d["driver"]: d["reason"] for d in report["drivers_without_history"]}
    assert set(reasons) == {*DEBUTS, MOVING_UP}
    for debut in DEBUTS:
        assert reasons[debut] == "no results in any series: prior from salary and grid"
    assert reasons[MOVING_UP].startswith("no Cup history: prior from salary, grid and ") and "Trucks" in reasons[MOVING_UP]
    assert f"warning: {MOVING_UP}: no Cup history" in result.stderr
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["D"] * ROSTER_SIZE and len(rows) == 6
    salary = {int(r["ID"]): int(r["Salary"]) for r in csv.DictReader((files / "DKSalaries.csv").open())}
    for lineup in rows[1:]:
        assert len(set(lineup)) == ROSTER_SIZE and sum(salary[int(i)] for i in lineup) <= SALARY_CAP


def test_strict_names_keep_the_refusal(files):
    result = CliRunner().invoke(app, [
        "optimize", "--slate", str(files / "DKSalaries.csv"), "--track", NEW_TRACK, "--date", DATE.isoformat(),
        "--laps", "312", "--history", str(files / "history.csv"), "--track-type", "short", "--strict-names",
        "--out", str(files / "strict.csv"), "--quiet",
    ])
    assert result.exit_code == 2
    assert "unknown driver 'Kaz Grala'" in result.stderr and f"unknown driver '{MOVING_UP}'" in result.stderr


def test_calibrate_reports_on_a_season_with_new_venues_when_they_are_named(files):
    season = str(files / "season.csv")
    base = ["calibrate", "--data", season, "--train", "2023-2023", "--test", "2024", "--scenarios", "100", "--quiet"]
    refused = CliRunner().invoke(app, base)
    assert refused.exit_code == 2
    assert "'Desert Mile'" in refused.stderr and "'Hill Country Circuit'" in refused.stderr  # every venue at once
    named = CliRunner().invoke(app, base + ["--track-type", "Desert Mile=short", "--track-type",
                                            "Hill Country Circuit=road", "--json", str(files / "q.json")])
    assert named.exit_code == 0, named.output
    report = json.loads((files / "q.json").read_text())
    cup_2024 = History.from_csv().races_of("Cup", start=dt.date(2024, 1, 1), end=dt.date(2024, 3, 31))
    assert report["races"] == len(cup_2024) and report["skipped_races"] == {}
    skipped = CliRunner().invoke(app, base + ["--skip-unknown-tracks", "--json", str(files / "s.json")])
    assert skipped.exit_code == 0, skipped.output
    assert json.loads((files / "s.json").read_text())["skipped_races"] == {"Desert Mile": 1, "Hill Country Circuit": 1}
    assert "left out" in skipped.stderr


def test_the_newcomer_prior_prices_a_lower_series_regular_above_a_true_debut(files):
    history = History.from_csv(files / "history.csv", track_types={NEW_TRACK: "short"})
    slate, _ = slate_from_race(History.from_csv(), "Cup", DATE, TRACK)
    model = calibrate(history, slate)
    flat = calibrate(history, slate, prior=AVERAGE_DRIVER)
    index = {name: i for i, name in enumerate(slate.names)}
    start = lambda m, name: m.strength[index[name]]  # noqa: E731
    # The average-driver prior gives every newcomer the field's mean skill; the fitted one does not.
    assert not np.allclose(model.strength, flat.strength)
    assert [n.driver for n in model.newcomers] == [n.driver for n in flat.newcomers]
    assert start(model, MOVING_UP) != start(flat, MOVING_UP)


def test_newcomers_are_described_and_looked_up_by_their_known_spelling():
    found = describe(["Kyle Larsen", "Sam Mayer", "Kyle Larson"], "Cup",
                     {"Kyle Larson": {"Cup"}, "Sam Mayer": {"O'Reilly", "Trucks"}}, known=["Kyle Larson", "Sam Mayer"])
    assert [(n.driver, n.reason, n.similar) for n in found] == [
        ("Kyle Larsen", "no results in any series: prior from salary and grid", ("Kyle Larson",)),
        ("Sam Mayer", "no Cup history: prior from salary, grid and O'Reilly and Trucks results", ()),
    ]
    assert spelled_as_known(["sam MAYER", "Kyle Larson"], seen=["Kyle Larson"], known=["Sam Mayer", "Kyle Larson"]) == [
        "Sam Mayer"]
