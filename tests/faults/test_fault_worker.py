"""A dead worker: its job ends `failed` in bounded time, and an operator's retry on a new worker completes it.

Two deaths. `kill -9` of the worker alone: the flow process it started lives in a session of its own, so the
signal does not reach it; it is orphaned, and crashes on its next write to the console (its stdout was a pipe
to the worker), its crash hook failing the job. `kill -9` of the worker and its flow process together (the
machine died): no hook runs and no state is reported, so the run would stay Running for ever; its heartbeats
stop, and the automation deployments/zombies.py registers marks it Crashed, which the reconciler carries
into the job.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.conftest import stack, wait_for_status, wait_until
from tests.faults.conftest import (
    alive, command, descendants, flow_run, flow_run_states, freeze, kill_9, retried, service_pid, unfinished_job,
    slow_request, unique_seed,
)

pytestmark = pytest.mark.faults

# Worst case for the machine death: a heartbeat just sent (30 s), the zombie window (75 s), the proactive
# trigger's evaluation, the reconciler's sweep; generous on top.
DEAD_RUN_NOTICED_WITHIN = 300


def _mid_run(api: httpx.Client) -> tuple[str, dict]:
    run_id = api.post("/api/v1/optimize", json=slow_request(unique_seed())).json()["run_id"]

    def working() -> dict | None:
        current = unfinished_job(api, run_id)
        return current if current["stage"] in ("simulate", "solve", "evaluate") else None

    return run_id, wait_until(working, timeout=180, every=0.1, what="the run to reach the scenarios or the solve")


def _retry_completes(api: httpx.Client, run_id: str, flow_run_id: str, report) -> None:
    stack("start", "worker")
    done = retried(api, run_id, flow_run_id)
    assert done["status"] == "complete", done
    assert done["flow_run_id"] == flow_run_id, "the retry ran in the same flow run"
    result = api.get(f"/api/v1/jobs/{run_id}/result")
    assert result.status_code == 200 and len(result.json()["result"]["lineups"]) == 20, result.text
    report("worker started again, operator retry -> job complete with its 20 lineups; lost: nothing")


def test_kill_9_of_the_worker_mid_run_fails_the_job_and_a_retry_completes_it(api, restores, report):
    run_id, before = _mid_run(api)
    worker = service_pid("worker")
    flows = descendants(worker)
    assert flows, "the worker runs the flow in a process of its own"
    report(f"job {run_id} at stage {before['stage']}; worker pid {worker}, flow processes "
           + ", ".join(f"{pid} ({command(pid)[:60]})" for pid in flows))

    restores.append("worker")
    killed_at = time.monotonic()
    stack("kill", "worker")
    failed = wait_for_status(api, run_id, {"failed", "complete"}, timeout=DEAD_RUN_NOTICED_WITHIN)
    noticed = time.monotonic() - killed_at
    # A job the orphan completed would be no loss either, but it is not what happens, and the retry below
    # would then have nothing to do.
    assert failed["status"] == "failed", f"the orphaned flow process finished the run: {failed}"
    wait_until(lambda: not any(alive(pid) for pid in flows), timeout=60,
               what="the orphaned flow process to exit (a retry must not race it)")
    state = flow_run(failed["flow_run_id"]).state
    assert state.type.value in ("CRASHED", "FAILED"), state
    report(f"kill -9 worker: orphaned flow process exited by itself; flow run {state.name} "
           f"({state.message}); job failed {noticed:.0f} s after the kill, error: {failed['error']}")

    _retry_completes(api, run_id, failed["flow_run_id"], report)


def test_a_dead_machine_worker_and_flow_process_fails_the_job_and_a_retry_completes_it(api, restores, report):
    run_id, before = _mid_run(api)
    worker = service_pid("worker")
    flows = descendants(worker)
    assert flows, "the worker runs the flow in a process of its own"

    restores.append("worker")
    # Frozen first, so the flow process cannot notice its worker's death and report a crash: a dead
    # machine reports nothing.
    freeze(flows)
    killed_at = time.monotonic()
    stack("kill", "worker")
    kill_9(flows)
    wait_until(lambda: not any(alive(pid) for pid in flows), timeout=30, what="the flow processes to die")
    report(f"job {run_id} at stage {before['stage']}: kill -9 of worker {worker} and flow processes {flows}")

    failed = wait_for_status(api, run_id, {"failed", "complete"}, timeout=DEAD_RUN_NOTICED_WITHIN)
    noticed = time.monotonic() - killed_at
    assert failed["status"] == "failed", failed
    state = flow_run(failed["flow_run_id"]).state
    assert state.type.value == "CRASHED" and "heartbeat" in (state.message or ""), state
    report(f"no hook ran; heartbeats stopped, the flow run was marked {state.name} ({state.message}); "
           f"job failed {noticed:.0f} s after the kill; states: {' > '.join(flow_run_states(failed['flow_run_id']))}")

    _retry_completes(api, run_id, failed["flow_run_id"], report)
