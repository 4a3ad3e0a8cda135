"""`pitwall past-slate` turns a real race into a slate and keeps its real results apart."""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from pitwall.cli import app
from pitwall.rules import dk_points
from pitwall.slate import read_salaries


def test_a_past_race_becomes_a_slate_and_its_results(tmp_path) -> None:
    out, actual = tmp_path / "DKSalaries.csv", tmp_path / "actual.csv"
    result = CliRunner().invoke(app, [
        "past-slate", "--date", "2024-06-30", "--track", "Nashville Superspeedway",
        "--out", str(out), "--actual", str(actual),
    ])
    assert result.exit_code == 0, result.output
    entries = read_salaries(out.read_text())
    rows = list(csv.DictReader(actual.open()))
    assert len(entries) == len(rows) == 38
    assert sorted(e.start for e in entries) == list(range(1, 39))
    assert all(4_500 <= e.salary <= 12_500 for e in entries)
    winner = next(r for r in rows if r["finish"] == "1")
    assert winner["name"] == "Joey Logano"
    for row in rows:
        expected = dk_points(int(row["start"]), int(row["finish"]), int(row["laps_led"]), int(row["fastest_laps"]))
        assert abs(float(row["dk_points"]) - expected) < 0.01


def test_an_unknown_race_is_a_clear_error(tmp_path) -> None:
    result = CliRunner().invoke(app, [
        "past-slate", "--date", "2024-06-29", "--track", "Nashville Superspeedway", "--out", str(tmp_path / "x.csv"),
    ])
    assert result.exit_code == 1
    assert "no Cup race" in result.output and "Trucks" in result.output
