"""The whole pipeline through the REST API on the local stack: upload a slate, optimize it under controls,
fetch the portfolio as JSON and as a DraftKings upload CSV, and check every lineup against the rules."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime

import httpx
import pytest

from pitwall.rules import ROSTER_SIZE, SALARY_CAP
from tests.conftest import ROOT, wait_for_status

pytestmark = pytest.mark.integration

RACE = {"track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312}
CONTROLS = {
    "n_lineups": 8,
    "max_exposure": 0.5,
    "max_overlap": 3,
    "min_salary": 46_000,
    "locks": ["Ryan Blaney"],
    "excludes": ["Kyle Larson", "Christopher Bell"],
}


@pytest.fixture(scope="module")
def slate(api_url: str) -> dict:
    salaries = (ROOT / "examples/sample-slate/DKSalaries.csv").read_text()
    response = httpx.post(f"{api_url}/api/v1/slates", json={"salaries_csv": salaries, **RACE}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def test_an_uploaded_slate_round_trips(api: httpx.Client, slate: dict) -> None:
    stored = api.get(f"/api/v1/slates/{slate['slate_id']}").json()
    assert stored["entries"] == 40 and len(stored["drivers"]) == 40
    assert stored["track_type"] == "short"
    assert slate["slate_id"] in [s["slate_id"] for s in api.get("/api/v1/slates").json()["slates"]]


def test_unknown_drivers_are_refused_with_close_matches_when_names_are_strict(api: httpx.Client) -> None:
    salaries = (ROOT / "examples/sample-slate/DKSalaries.csv").read_text().replace("Kyle Larson", "Kyle Larsen")
    response = api.post("/api/v1/slates", json={"salaries_csv": salaries, **RACE, "strict_names": True})
    assert response.status_code == 422
    messages = " ".join(e["message"] for e in response.json()["errors"])
    assert "Kyle Larsen" in messages and "Kyle Larson" in messages


def test_a_stored_slate_is_optimized_under_its_controls(api: httpx.Client, slate: dict) -> None:
    run_id = api.post("/api/v1/optimize", json={
        "slate_id": slate["slate_id"],
        "scenario_config": {"n_scenarios": 2_000, "seed": 11},
        "portfolio": CONTROLS,
        "contest": {"entries": 2_000, "evaluation_scenarios": 1_000},
    }).json()["run_id"]
    job = wait_for_status(api, run_id, {"complete", "failed"}, timeout=180)
    assert job["status"] == "complete", job["error"]

    result = api.get(f"/api/v1/jobs/{run_id}/result").json()["result"]
    salaries = {d["name"]: d["salary"] for d in api.get(f"/api/v1/slates/{slate['slate_id']}").json()["drivers"]}
    lineups = [lineup["drivers"] for lineup in result["lineups"]]
    assert len(lineups) == CONTROLS["n_lineups"]
    for lineup in lineups:
        assert len(set(lineup)) == ROSTER_SIZE
        assert CONTROLS["min_salary"] <= sum(salaries[name] for name in lineup) <= SALARY_CAP
        assert "Ryan Blaney" in lineup
        assert not set(lineup) & set(CONTROLS["excludes"])
    assert len({frozenset(lineup) for lineup in lineups}) == len(lineups)
    for a, b in itertools.combinations(lineups, 2):
        assert len(set(a) & set(b)) <= CONTROLS["max_overlap"]
    cap = int(CONTROLS["max_exposure"] * CONTROLS["n_lineups"])
    counts = {name: sum(name in lineup for lineup in lineups) for name in salaries}
    assert all(count <= cap for name, count in counts.items() if name != "Ryan Blaney")
    assert result["exposures"]["Ryan Blaney"] == 1.0
    assert result["metrics"]["scenario_seed"] != 11  # evaluated on scenarios the solver did not see

    upload = api.get(f"/api/v1/jobs/{run_id}/lineups.csv")
    assert upload.status_code == 200 and upload.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(upload.text)))
    assert rows[0] == ["D"] * ROSTER_SIZE
    dk_ids = {d["name"]: d["dk_id"] for d in api.get(f"/api/v1/slates/{slate['slate_id']}").json()["drivers"]}
    assert [sorted(map(int, row)) for row in rows[1:]] == [sorted(dk_ids[n] for n in lineup) for lineup in lineups]


def test_controls_that_cannot_hold_fail_the_run_naming_the_conflict(api: httpx.Client, slate: dict) -> None:
    # A conflict among the controls themselves needs no slate: refused at submit, no job.
    refused = api.post("/api/v1/optimize", json={
        "slate_id": slate["slate_id"],
        "portfolio": {"n_lineups": 10, "locks": ["Ryan Blaney"], "driver_max_exposure": {"Ryan Blaney": 0.5}},
    })
    assert refused.status_code == 422 and "Ryan Blaney" in refused.text
    # One that needs the stored slate's salaries (the API does not read the graph at submit) fails the run.
    locks = ["Kyle Larson", "Christopher Bell", "Chase Elliott", "William Byron", "Ryan Blaney"]
    run_id = api.post("/api/v1/optimize", json={
        "slate_id": slate["slate_id"],
        "scenario_config": {"n_scenarios": 500},
        "portfolio": {"n_lineups": 10, "locks": locks},
    }).json()["run_id"]
    job = wait_for_status(api, run_id, {"complete", "failed"}, timeout=120)
    assert job["status"] == "failed"
    assert "Ryan Blaney" in job["error"] and "cap" in job["error"]
    assert api.get(f"/api/v1/jobs/{run_id}/result").status_code == 409


def test_a_finished_run_is_recorded_in_the_graph(api: httpx.Client, slate: dict) -> None:
    run_id = api.post("/api/v1/optimize", json={
        "slate_id": slate["slate_id"],
        "scenario_config": {"n_scenarios": 500},
        "portfolio": {"n_lineups": 4, "locks": ["Joey Logano"]},
        "contest": {"entries": 1_000, "evaluation_scenarios": 200},
    }).json()["run_id"]
    assert wait_for_status(api, run_id, {"complete", "failed"}, timeout=120)["status"] == "complete"
    today = datetime.now(UTC).date().isoformat()
    lineage = api.get("/api/v1/exposures", params={"start": today, "end": today}).json()
    logano = next(d for d in lineage["drivers"] if d["driver"] == "Joey Logano")
    assert logano["lineups"] >= 4 and logano["runs"] >= 1
    assert lineage["total_lineups"] >= 4
