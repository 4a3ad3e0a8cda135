"""The stack's worker submits a flow run as soon as the server reports it scheduled, not at its next poll,
and stops on SIGTERM once the runs in flight have ended.

A worker of its own here, on a pool of its own, polls once an hour (PREFECT_WORKER_QUERY_SECONDS=3600): its
only poll is as it starts. A run scheduled after that is submitted anyway, because the server's event of it
wakes the worker. The run is of a job that does not exist, so its flow fails at once and touches nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.objects import StateType

from tests.conftest import ROOT, end, inline_request, stack, wait_for_status, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.environ.get("PITWALL_WORKER_MODE", "preload") != "preload",
                       reason="the stack's worker is Prefect's own command"),
]


@contextmanager
def own_worker(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, Path, Any]]:
    """A worker of its own on a pool of its own (a deployment of the stack's flow on it), polling once an hour."""
    pool = f"pitwall-wake-{uuid4().hex[:8]}"
    with get_client(sync_client=True) as client:
        stacks = client.read_deployment_by_name("optimize-slate/optimize-slate")
        template = client.read_work_pool(stacks.work_pool_name).base_job_template
        client.create_work_pool(WorkPoolCreate(name=pool, type="process", base_job_template=template))
        deployment = client.create_deployment(
            flow_id=stacks.flow_id, name=pool, work_pool_name=pool, entrypoint=stacks.entrypoint, path=stacks.path,
            parameter_openapi_schema=stacks.parameter_openapi_schema,
        )
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "deployments/preload_worker.py", "--pool", pool, "--name", pool], cwd=ROOT,
            env={**os.environ, "PREFECT_WORKER_QUERY_SECONDS": "3600"}, stdout=out, stderr=subprocess.STDOUT,
            # As scripts/stack.sh starts it: a script's background job ignores SIGINT.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
    try:
        wait_until(lambda: "started" in log.read_text() and "fork server ready" in log.read_text(), timeout=180,
                   what=f"the worker and its fork server to start (its log: {log})")
        yield worker, log, deployment
    finally:
        end(worker)
        with get_client(sync_client=True) as client:
            client.delete_deployment(deployment)
            client.delete_work_pool(pool)


def test_a_run_scheduled_after_the_workers_poll_is_submitted_without_another(tmp_path: Path) -> None:
    with own_worker(tmp_path) as (_, log, deployment), get_client(sync_client=True) as client:
        time.sleep(3)  # its poll at start, the last for an hour, is over
        run = client.create_flow_run_from_deployment(deployment, parameters={"run_id": f"no-such-job-{uuid4().hex}"})

        def submitted():
            state = client.read_flow_run(run.id).state
            return state if state.type is not StateType.SCHEDULED else None

        state = wait_until(submitted, timeout=60, every=0.2,
                           what=f"the worker to submit the run without polling again (its log: {log})")
        assert state.type in (StateType.PENDING, StateType.RUNNING, StateType.FAILED), state
        wait_until(lambda: client.read_flow_run(run.id).state.is_final() or None, timeout=120,
                   what="the run of a missing job to end")


def test_an_idle_worker_stops_on_sigterm(tmp_path: Path) -> None:
    with own_worker(tmp_path) as (worker, log, _):
        worker.terminate()
        # Prefect's own handlers, which this worker no longer sets, turn a SIGTERM into a SIGINT, which a
        # background job ignores: they never stopped it.
        assert worker.wait(timeout=30) == 0, log.read_text()
        assert "stopped!" in log.read_text()


def test_the_stacks_worker_stopped_mid_run_lets_the_run_finish_first(api, restores) -> None:
    body = inline_request()
    body["scenario_config"] = {"n_scenarios": 20_000, "shards": 4, "seed": time.time_ns() % 1_000_000_000}
    run_id = api.post("/api/v1/optimize", json=body).json()["run_id"]
    wait_until(lambda: api.get(f"/api/v1/jobs/{run_id}").json()["status"] == "running", timeout=180, every=0.1,
               what="the run to start")
    log = Path(os.environ["PITWALL_STACK_DIR"]) / "worker.log"
    restores.append("worker")
    assert api.get(f"/api/v1/jobs/{run_id}").json()["status"] == "running", "the run is in flight as the stop begins"
    stack("stop", "worker")  # SIGTERM, then a minute before stack.sh would kill it

    assert "stopped!" in log.read_text(), "the worker ended by itself, not killed"
    job = wait_for_status(api, run_id, {"complete", "failed"}, timeout=30)
    assert job["status"] == "complete", job
