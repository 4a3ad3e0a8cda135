"""Slates with drivers and a venue the knowledge graph has never seen, through the REST API: uploaded,
optimized stored and inline, every lineup valid, and every driver without history listed with why."""

from __future__ import annotations

import httpx
import pytest

from pitwall.rules import ROSTER_SIZE, SALARY_CAP
from tests.conftest import ROOT, inline_request, wait_for_status

pytestmark = pytest.mark.integration

# The sample slate at a venue no track map knows, its type given.
RACE = {"track": "Rockingham Speedway", "date": "2024-11-10", "laps": 312, "track_type": "short"}
DEBUT = "Zed Debutante"  # no result in any series
MOVING_UP = "Sam Mayer"  # O'Reilly results only
MISSPELT = "Joey Loganno"  # DraftKings spelling of Joey Logano
RENAMED = {"Kyle Larson": DEBUT, "Ryan Blaney": MOVING_UP, "Joey Logano": MISSPELT}
# The sample slate's DK ids are the results' driver ids (a past race); the renamed drivers get ids of
# their own, as DraftKings' are, so nothing but the name can tie them to a known driver.
NEW_IDS = {"4030": "90000001", "4023": "90000002", "3859": "90000003"}


def _salaries() -> str:
    text = (ROOT / "examples/sample-slate/DKSalaries.csv").read_text()
    for known, new in RENAMED.items():
        text = text.replace(known, new)
    for old, new in NEW_IDS.items():
        text = text.replace(f"({old})", f"({new})").replace(f",{old},", f",{new},")
    return text


@pytest.fixture(scope="module")
def upload(api_url: str) -> dict:
    response = httpx.post(f"{api_url}/api/v1/slates", json={"salaries_csv": _salaries(), **RACE}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def _listed(drivers: list[dict]) -> dict[str, dict]:
    return {d["driver"]: d for d in drivers}


def _assert_valid(result: dict, salaries: dict[str, int], n: int) -> None:
    assert len(result["lineups"]) == n
    for lineup in result["lineups"]:
        assert len(set(lineup["drivers"])) == ROSTER_SIZE
        assert sum(salaries[name] for name in lineup["drivers"]) == lineup["salary"] <= SALARY_CAP


def test_the_upload_stores_the_slate_and_lists_drivers_without_history(upload: dict) -> None:
    assert upload["track_type"] == "short" and upload["entries"] == 40
    listed = _listed(upload["drivers_without_history"])
    assert set(listed) == set(RENAMED.values())
    assert listed[DEBUT]["reason"] == "no results in any series: prior from salary and grid"
    assert listed[MOVING_UP]["reason"].startswith("no Cup history: prior from salary, grid and O'Reilly")
    assert listed[MISSPELT]["similar"] == ["Joey Logano"]


def test_strict_names_refuse_the_same_slate(api: httpx.Client) -> None:
    response = api.post("/api/v1/slates", json={"salaries_csv": _salaries(), **RACE, "strict_names": True})
    assert response.status_code == 422
    messages = " ".join(e["message"] for e in response.json()["errors"])
    assert all(name in messages for name in RENAMED.values())


def test_a_stored_slate_with_newcomers_optimizes(api: httpx.Client, upload: dict) -> None:
    run_id = api.post("/api/v1/optimize", json={
        "slate_id": upload["slate_id"],
        "scenario_config": {"n_scenarios": 1_000, "seed": 5},
        "portfolio": {"n_lineups": 6, "max_exposure": 0.5},
        "contest": {"entries": 1_000, "evaluation_scenarios": 500},
    }).json()["run_id"]
    job = wait_for_status(api, run_id, {"complete", "failed"}, timeout=180)
    assert job["status"] == "complete", job["error"]
    result = api.get(f"/api/v1/jobs/{run_id}/result").json()["result"]
    listed = _listed(result["drivers_without_history"])
    assert set(listed) == set(RENAMED.values())
    assert listed[MOVING_UP]["reason"].startswith("no Cup history: prior from salary, grid and O'Reilly")
    assert result["slate"]["track_type"] == "short"
    _assert_valid(result, {d["name"]: d["salary"] for d in upload["drivers"]}, 6)


def test_an_inline_slate_takes_aliases_and_strict_names(api: httpx.Client) -> None:
    request = inline_request()
    request["race"] = dict(RACE)
    for driver in request["drivers"]:
        driver["name"] = RENAMED.get(driver["name"], driver["name"])
        driver["dk_id"] = int(NEW_IDS.get(str(driver["dk_id"]), driver["dk_id"]))
    request["aliases_csv"] = f"Name,Alias\nJoey Logano,{MISSPELT}\n"
    run_id = api.post("/api/v1/optimize", json=request).json()["run_id"]
    job = wait_for_status(api, run_id, {"complete", "failed"}, timeout=180)
    assert job["status"] == "complete", job["error"]
    result = api.get(f"/api/v1/jobs/{run_id}/result").json()["result"]
    assert set(_listed(result["drivers_without_history"])) == {DEBUT, MOVING_UP}  # the alias found Joey Logano
    salaries = {RENAMED.get(d["name"], d["name"]): d["salary"] for d in inline_request()["drivers"]}
    salaries["Joey Logano"] = salaries.pop(MISSPELT)
    _assert_valid(result, salaries, request["portfolio"]["n_lineups"])

    strict = api.post("/api/v1/optimize", json={**request, "strict_names": True}).json()["run_id"]
    failed = wait_for_status(api, strict, {"complete", "failed"}, timeout=180)
    assert failed["status"] == "failed"
    assert DEBUT in failed["error"] and MOVING_UP in failed["error"] and "strict_names" in failed["error"]


def test_an_alias_file_that_cannot_be_read_is_refused_at_submit(api: httpx.Client) -> None:
    request = inline_request()
    request["aliases_csv"] = "Driver,Other\nA,B\n"
    response = api.post("/api/v1/optimize", json=request)
    assert response.status_code == 422
    assert "alias file" in response.text
