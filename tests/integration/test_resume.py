"""An operator's retry resumes a failed run: finished tasks come from the result store, only what failed
(and what depends on the store that failed) runs again.

The failure is real: Neo4j is killed while the portfolio is being solved, so writing the run's lineage
fails once its retries are spent and the flow run fails. Neo4j comes back, the operator retries the flow
run as the UI's Retry does, and the job completes. Calibration (unless an earlier run of the slate cached
it) and every scenario shard ran once.
"""

from __future__ import annotations

from collections import Counter
from uuid import UUID

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.states import AwaitingRetry

from tests.conftest import ROOT, stack, wait_for_status, wait_until

pytestmark = pytest.mark.integration

SHARDS = 4


def task_runs(flow_run_id: str) -> list[tuple[str, str]]:
    """(task run name, state name) of every task run of the flow run, over all its attempts."""
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)])))
    return [(run.name, run.state.name if run.state else "") for run in runs]


def test_a_retried_run_reuses_finished_scenario_shards(api: httpx.Client) -> None:
    salaries = (ROOT / "examples/sample-slate/DKSalaries.csv").read_text()
    slate = api.post("/api/v1/slates", json={
        "salaries_csv": salaries, "track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312,
    }).json()
    run_id = api.post("/api/v1/optimize", json={
        "slate_id": slate["slate_id"],
        "scenario_config": {"n_scenarios": 20_000, "shards": SHARDS, "seed": 3},
        "portfolio": {"n_lineups": 20},
    }).json()["run_id"]

    def solving() -> bool:
        job = api.get(f"/api/v1/jobs/{run_id}").json()
        assert job["status"] in ("pending", "running"), job
        return job["stage"] in ("solve", "evaluate")

    wait_until(solving, timeout=120, every=0.1, what="the run to reach the solve")
    try:
        stack("kill", "neo4j")
        # The lineage task retries a down store for over a minute before the run fails.
        failed = wait_for_status(api, run_id, {"failed", "complete"}, timeout=240)
        assert failed["status"] == "failed", "the run finished before Neo4j went down"
        assert "neo4j" in failed["error"]
    finally:
        stack("start", "neo4j")

    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(failed["flow_run_id"]), AwaitingRetry(), force=True)
    done = wait_for_status(api, run_id, {"complete"}, timeout=180)
    assert done["flow_run_id"] == failed["flow_run_id"]
    assert api.get(f"/api/v1/jobs/{run_id}/result").status_code == 200

    runs = task_runs(failed["flow_run_id"])
    computed = Counter(name for name, state in runs if state == "Completed")
    cached = Counter(name for name, state in runs if state == "Cached")
    for shard in range(SHARDS):
        name = f"scenarios-{shard}-of-{SHARDS}"
        assert computed[name] == 1 and cached[name] == 1, (name, runs)
    # Calibrated at most once: an earlier run of the same slate may have cached the model already.
    assert sum(n for name, n in computed.items() if name.startswith("calibrate")) <= 1, runs
    assert sum(n for name, n in (computed + cached).items() if name.startswith("calibrate")) == 2, runs
    assert any(name.startswith("record-lineage") and state == "Failed" for name, state in runs), runs
