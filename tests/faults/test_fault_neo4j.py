"""Neo4j restarted while a run loads its slate and calibrates: the store tasks' retries wait it out, and the
run completes with no operator in the loop."""

from __future__ import annotations

import time

import pytest

from tests.conftest import ROOT, stack, wait_for_status, wait_until
from tests.faults.conftest import flow_run, slow_request, task_runs, unfinished_job, unique_seed

pytestmark = pytest.mark.faults

GRAPH_TASKS = ("load-slate", "calibrate", "record-lineage")


def test_a_run_completes_through_a_restart_of_neo4j(api, restores, report):
    slate = api.post("/api/v1/slates", json={
        "salaries_csv": (ROOT / "examples/sample-slate/DKSalaries.csv").read_text(),
        "track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312,
    })
    assert slate.status_code == 201, slate.text
    body = slow_request(unique_seed())
    del body["race"], body["drivers"]
    # A stored slate: loading it reads the graph too, as calibrating does.
    body["slate_id"] = slate.json()["slate_id"]
    run_id = api.post("/api/v1/optimize", json=body).json()["run_id"]

    def started() -> dict | None:
        current = unfinished_job(api, run_id)
        return current if current["status"] == "running" else None

    before = wait_until(started, timeout=180, every=0.05, what="the run to start")
    restores.append("neo4j")
    stopped_at = time.monotonic()
    stack("stop", "neo4j")
    stack("start", "neo4j")
    outage = time.monotonic() - stopped_at
    report(f"job {run_id} at stage {before['stage'] or 'start'}: Neo4j stopped and started again ({outage:.0f} s)")

    done = wait_for_status(api, run_id, {"complete", "failed"}, timeout=300)
    assert done["status"] == "complete", done
    assert api.get(f"/api/v1/jobs/{run_id}/result").status_code == 200
    run = flow_run(done["flow_run_id"])
    assert run.run_count == 1, "completed without an operator's retry"
    attempts = {t.name: t.run_count for t in task_runs(done["flow_run_id"]) if t.name.startswith(GRAPH_TASKS)}
    retried = {name: n for name, n in attempts.items() if n > 1}
    assert retried, f"no graph task met the outage, so nothing was shown: {attempts}"
    report(f"graph tasks and their attempts: {attempts}; job complete in one flow run attempt; lost: nothing")
