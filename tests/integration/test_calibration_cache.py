"""The calibration cache on the real stack: the second job of a slate takes its race model from the cache
(its calibrate task run is Cached) and gets the same portfolio; results seeded into the graph change the
history's fingerprint, and the next job of the slate calibrates afresh."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from uuid import UUID

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from pitwall.history import bundled_results
from pitwall.settings import get_settings
from pitwall.stores.graph import GraphStore
from tests.conftest import ROOT, wait_for_status

pytestmark = pytest.mark.integration

# 311 laps: a slate of this file's own, so no other test's run has cached its calibration.
RACE = {"track": "Phoenix Raceway", "date": "2024-11-10", "laps": 311}
REQUEST = {"scenario_config": {"n_scenarios": 1_000, "seed": 5}, "portfolio": {"n_lineups": 3},
           "contest": {"entries": 1_000, "evaluation_scenarios": 500}}


@pytest.fixture(scope="module")
def slate_id(api_url: str) -> str:
    salaries = (ROOT / "examples/sample-slate/DKSalaries.csv").read_text()
    response = httpx.post(f"{api_url}/api/v1/slates", json={"salaries_csv": salaries, **RACE}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["slate_id"]


@pytest.fixture
def graph() -> Iterator[GraphStore]:
    store = GraphStore.from_settings(get_settings())
    yield store
    store.close()


def calibrate_state(flow_run_id: str) -> str:
    """The state name of the flow run's calibrate task run (Completed when it ran, Cached when it did not)."""
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)])))
    states = [run.state.name for run in runs if run.name.startswith("calibrate-")]
    assert len(states) == 1, [run.name for run in runs]
    return states[0]


def run_job(api: httpx.Client, slate_id: str) -> tuple[dict, dict]:
    submitted = api.post("/api/v1/optimize", json={"slate_id": slate_id, **REQUEST})
    assert submitted.status_code == 202, submitted.text
    job = wait_for_status(api, submitted.json()["run_id"], {"complete", "failed"}, timeout=240)
    assert job["status"] == "complete", job
    return job, api.get(f"/api/v1/jobs/{job['run_id']}/result").json()["result"]


def test_a_second_job_of_a_slate_skips_calibration_and_gets_the_same_portfolio(api, slate_id):
    first, first_result = run_job(api, slate_id)
    second, second_result = run_job(api, slate_id)
    assert calibrate_state(first["flow_run_id"]) == "Completed"
    assert calibrate_state(second["flow_run_id"]) == "Cached"
    assert "calibrate" in second_result["timings"]
    assert [lineup["drivers"] for lineup in second_result["lineups"]] == \
        [lineup["drivers"] for lineup in first_result["lineups"]]
    assert second_result["metrics"] == first_result["metrics"]


def test_saving_slates_leaves_the_fingerprint_alone(api, graph):
    """Slates are not history: another slate stored (at a known track, or at one the results do not know,
    as an inline run's lineage stores it) must not make every later job calibrate again."""
    before = graph.history_fingerprint()
    salaries = (ROOT / "examples/sample-slate/DKSalaries.csv").read_text()
    for race in ({**RACE, "laps": 309}, {"track": "Fictional Street Circuit", "track_type": "road",
                                         "date": "2024-11-10", "laps": 100}):
        response = api.post("/api/v1/slates", json={"salaries_csv": salaries, **race})
        assert response.status_code == 201, response.text
    assert graph.history_fingerprint() == before


def _one_race(series: str = "Trucks") -> list[dict[str, str]]:
    """Every row of the first race of `series` in the bundled results (a whole race, so seeding it again
    derives the same race facts)."""
    with open(bundled_results(), newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["series"] == series]
    key = (rows[0]["race_date"], rows[0]["track_name"])
    return [row for row in rows if (row["race_date"], row["track_name"]) == key]


def test_seeded_results_change_the_fingerprint_and_the_next_job_calibrates(api, slate_id, graph):
    run_job(api, slate_id)  # whatever came before, the slate's calibration is cached now
    before = graph.history_fingerprint()
    race = _one_race()
    graph.seed(race)
    assert graph.history_fingerprint() == before, "seeding rows the graph holds already changes nothing"

    changed = [dict(row) for row in race]
    changed[0]["rating"] = str(float(changed[0]["rating"] or 0) + 1.5)
    try:
        graph.seed(changed)
        moved = graph.history_fingerprint()
        assert moved["revision"] > before["revision"] and moved != before
        job, _ = run_job(api, slate_id)
        assert calibrate_state(job["flow_run_id"]) == "Completed", "a changed history must not be read from the cache"
        again, _ = run_job(api, slate_id)
        assert calibrate_state(again["flow_run_id"]) == "Cached"
    finally:
        graph.seed(race)
    assert graph.history_fingerprint()["revision"] > moved["revision"]
