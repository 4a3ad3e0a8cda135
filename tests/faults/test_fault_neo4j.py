"""Neo4j down when a run loads its slate, and started again while the run waits: the store tasks' retries
wait it out, and the run completes with no operator in the loop."""

from __future__ import annotations

import time

import pytest

from tests.conftest import ROOT, stack, wait_for_status, wait_until
from tests.faults.conftest import flow_run, slow_request, task_runs, unfinished_job, unique_seed

pytestmark = pytest.mark.faults

GRAPH_TASKS = ("load-slate", "history-fingerprint", "calibrate", "record-lineage")


def test_a_run_completes_through_an_outage_of_neo4j(api, restores, report):
    slate = api.post("/api/v1/slates", json={
        "salaries_csv": (ROOT / "examples/sample-slate/DKSalaries.csv").read_text(),
        "track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312,
    })
    assert slate.status_code == 201, slate.text
    body = slow_request(unique_seed())
    del body["race"], body["drivers"]
    # A stored slate: loading it is the run's first read of the graph.
    body["slate_id"] = slate.json()["slate_id"]

    # Stopped before the run, not during it: a slate loads and calibrates in well under a second, quicker
    # than Neo4j stops, so an outage timed mid-run may miss every graph task and show nothing.
    restores.append("neo4j")
    stopped_at = time.monotonic()
    stack("stop", "neo4j")
    run_id = api.post("/api/v1/optimize", json=body).json()["run_id"]

    def slate_load_failed() -> bool:
        flow_run_id = unfinished_job(api, run_id).get("flow_run_id")
        if not flow_run_id:
            return False
        loads = [t for t in task_runs(flow_run_id) if t.name.startswith("load-slate")]
        return any(t.run_count > 1 or (t.state is not None and t.state.name in ("AwaitingRetry", "Retrying"))
                   for t in loads)

    wait_until(slate_load_failed, timeout=120, every=0.2, what="the run's slate load to fail and wait to retry")
    stack("start", "neo4j")
    outage = time.monotonic() - stopped_at
    report(f"job {run_id}: Neo4j stopped before it, started again once its slate load had failed ({outage:.0f} s)")

    done = wait_for_status(api, run_id, {"complete", "failed"}, timeout=300)
    assert done["status"] == "complete", done
    assert api.get(f"/api/v1/jobs/{run_id}/result").status_code == 200
    run = flow_run(done["flow_run_id"])
    assert run.run_count == 1, "completed without an operator's retry"
    attempts = {t.name: t.run_count for t in task_runs(done["flow_run_id"]) if t.name.startswith(GRAPH_TASKS)}
    assert any(n > 1 for name, n in attempts.items() if name.startswith("load-slate")), attempts
    report(f"graph tasks and their attempts: {attempts}; job complete in one flow run attempt; lost: nothing")
