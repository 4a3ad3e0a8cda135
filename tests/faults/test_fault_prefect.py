"""The Prefect server restarted mid-run: the run completes or fails cleanly, and the job says what Prefect says."""

from __future__ import annotations

import os
import time

import httpx
import pytest

from pitwall.jobs import status_for_run_state
from tests.conftest import stack, wait_for_status, wait_until
from tests.faults.conftest import flow_run, flow_run_states, slow_request, unfinished_job, unique_seed

pytestmark = pytest.mark.faults


def test_a_run_outlives_a_restart_of_the_prefect_server(api, restores, report):
    run_id = api.post("/api/v1/optimize", json=slow_request(unique_seed())).json()["run_id"]

    def working() -> dict | None:
        current = unfinished_job(api, run_id)
        return current if current["stage"] in ("simulate", "solve") else None

    before = wait_until(working, timeout=180, every=0.1, what="the run to reach the scenarios or the solve")
    # The worker may give up on a server that is gone; it is started again if so.
    restores += ["prefect", "worker"]
    stopped_at = time.monotonic()
    stack("stop", "prefect")
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{os.environ['PREFECT_API_URL']}/health", timeout=3)
    stack("start", "prefect")
    outage = time.monotonic() - stopped_at
    report(f"job {run_id} at stage {before['stage']}: Prefect server stopped and started again ({outage:.0f} s away)")

    # Prefect's word is final once the flow reported its end, or, had it died unheard, once its
    # heartbeats stopped (deployments/zombies.py).
    def final_state():
        state = flow_run(before["flow_run_id"]).state
        return state if state is not None and state.is_final() else None

    state = wait_until(final_state, timeout=300, every=1, what="the flow run to reach a final state in Prefect")
    expected = status_for_run_state(state.type.value)
    ended = wait_for_status(api, run_id, {"complete", "failed", "cancelled"}, timeout=60)
    assert ended["status"] == expected.value, (ended, state)
    if ended["status"] == "complete":
        assert api.get(f"/api/v1/jobs/{run_id}/result").status_code == 200
    else:
        assert ended["error"], "a run that did not complete says why"
    states = " > ".join(flow_run_states(before["flow_run_id"]))
    report(f"flow run {state.name} ({state.message}); job {ended['status']}, agreeing; states: {states}; "
           f"lost: {'nothing' if ended['status'] == 'complete' else 'the run, which an operator can retry'}")
    stack("start", "worker")
    assert api.get("/ready").status_code == 200
