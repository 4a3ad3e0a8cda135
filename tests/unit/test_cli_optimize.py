"""`pitwall optimize` and `pitwall evaluate` end to end on a real past slate, no servers."""

import csv
import datetime as dt
import io
import itertools
import json

import pytest
from typer.testing import CliRunner

from pitwall.cli import app
from pitwall.history import History, slate_from_race
from pitwall.rules import ROSTER_SIZE, SALARY_CAP
from pitwall.slate import salaries_csv

RACE_DATE = dt.date(2024, 4, 21)
TRACK = "Talladega Superspeedway"


@pytest.fixture(scope="module")
def slate_files(tmp_path_factory):
    history = History.from_csv()
    slate, _ = slate_from_race(history, "Cup", RACE_DATE, TRACK)
    folder = tmp_path_factory.mktemp("slate")
    (folder / "DKSalaries.csv").write_text(salaries_csv(slate))
    return folder, slate


def _race_args(folder, track=TRACK):
    return ["--slate", str(folder / "DKSalaries.csv"), "--track", track, "--laps", "188", "--date", RACE_DATE.isoformat()]


@pytest.fixture(scope="module")
def optimized(slate_files):
    folder, slate = slate_files
    out, summary = folder / "lineups.csv", folder / "summary.json"
    result = CliRunner().invoke(
        app,
        ["optimize", *_race_args(folder), "--lineups", "8", "--scenarios", "1500", "--seed", "3",
         "--max-exposure", "0.5", "--max-overlap", "3", "--lock", "kyle larson", "--exclude", "Denny Hamlin",
         "--min-salary", "45000", "--out", str(out), "--json", str(summary), "--quiet"],
    )
    assert result.exit_code == 0, result.output
    return out, json.loads(summary.read_text()), result.output


def test_optimize_writes_a_valid_upload_csv_honouring_the_controls(slate_files, optimized):
    _, slate = slate_files
    out, _, _ = optimized
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["D"] * ROSTER_SIZE
    by_id = {e.dk_id: e for e in slate.entries}
    lineups = [[by_id[int(cell)] for cell in row] for row in rows[1:]]
    assert len(lineups) == 8
    assert len({tuple(sorted(e.dk_id for e in lineup)) for lineup in lineups}) == 8
    for lineup in lineups:
        assert len({e.dk_id for e in lineup}) == ROSTER_SIZE
        assert 45_000 <= sum(e.salary for e in lineup) <= SALARY_CAP
        names = {e.name for e in lineup}
        assert "Kyle Larson" in names and "Denny Hamlin" not in names
    for a, b in itertools.combinations(lineups, 2):
        assert len({e.dk_id for e in a} & {e.dk_id for e in b}) <= 3
    counts: dict[str, int] = {}
    for lineup in lineups:
        for entry in lineup:
            counts[entry.name] = counts.get(entry.name, 0) + 1
    assert all(n <= 4 for name, n in counts.items() if name != "Kyle Larson")


def test_optimize_summary_has_timings_metrics_and_independent_evaluation(optimized):
    _, summary, printed = optimized
    assert json.loads(printed) == summary  # --quiet leaves only the JSON on stdout
    assert set(summary["timings"]) == {"calibrate", "simulate", "solve", "evaluate", "total"}
    assert summary["timings"]["total"] >= summary["timings"]["solve"] > 0
    seeds = summary["scenarios"]
    assert seeds["solve"]["seed"] == 3 and seeds["evaluate"]["seed"] != 3
    assert "independently" in seeds["note"]
    metrics = summary["metrics"]
    assert metrics["scenario_seed"] == seeds["evaluate"]["seed"]
    for key in ("roi", "top1_rate", "win_rate", "cash_rate", "expected_best_score", "mean_overlap", "exposures"):
        assert key in metrics
    assert metrics["exposures"]["Kyle Larson"] == 1.0
    assert len(metrics["lineups"]) == 8


def test_evaluate_scores_any_upload_csv_on_the_same_scenarios(slate_files, optimized):
    folder, slate = slate_files
    out, summary, _ = optimized
    runner = CliRunner()
    same = runner.invoke(
        app, ["evaluate", *_race_args(folder), "--lineups", str(out), "--scenarios", "1500", "--seed", "3", "--quiet"]
    )
    assert same.exit_code == 0, same.output
    report = json.loads(same.output)
    assert report["metrics"]["roi"] == summary["metrics"]["roi"]
    assert report["scenarios"]["evaluate"]["seed"] == summary["scenarios"]["evaluate"]["seed"]
    # Another tool's portfolio, written with "Name (id)" cells.
    cheapest = sorted(slate.entries, key=lambda e: e.salary)[:ROSTER_SIZE]
    other = folder / "other.csv"
    other.write_text("D,D,D,D,D,D\n" + ",".join(f"{e.name} ({e.dk_id})" for e in cheapest) + "\n")
    scored = runner.invoke(
        app, ["evaluate", *_race_args(folder), "--lineups", str(other), "--scenarios", "500", "--quiet"]
    )
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.output)["metrics"]["exposures"] == {e.name: 1.0 for e in cheapest}


def test_an_unknown_track_without_a_type_is_an_error_listing_the_types(slate_files):
    folder, _ = slate_files
    result = CliRunner().invoke(
        app, ["optimize", *_race_args(folder, "Nowhere Raceway"), "--out", str(folder / "x.csv"), "--quiet"]
    )
    assert result.exit_code == 2
    assert "unknown track 'Nowhere Raceway'" in result.output
    assert "superspeedway" in result.output and "intermediate" in result.output


def test_conflicting_controls_fail_before_any_work_naming_the_conflict(slate_files):
    folder, _ = slate_files
    result = CliRunner().invoke(
        app,
        ["optimize", *_race_args(folder), "--lock", "Kyle Larson", "--exclude", "Kyle Larson",
         "--out", str(folder / "y.csv"), "--quiet"],
    )
    assert result.exit_code == 2
    assert "Kyle Larson is both locked and excluded" in result.output
    assert not (folder / "y.csv").exists()


def test_an_unknown_driver_in_a_lock_names_the_closest(slate_files):
    folder, _ = slate_files
    result = CliRunner().invoke(
        app, ["optimize", *_race_args(folder), "--lock", "Kyle Larsen", "--out", str(folder / "z.csv"), "--quiet"]
    )
    assert result.exit_code == 2
    assert "Kyle Larson" in result.output
