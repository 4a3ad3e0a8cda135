"""The stack's worker submits a flow run as soon as the server reports it scheduled, not at its next poll.

A worker of its own here, on a pool of its own, polls once an hour (PREFECT_WORKER_QUERY_SECONDS=3600): its
only poll is as it starts. A run scheduled after that is submitted anyway, because the server's event of it
wakes the worker. The run is of a job that does not exist, so its flow fails at once and touches nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from uuid import uuid4

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.objects import StateType

from tests.conftest import ROOT, end, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.environ.get("PITWALL_WORKER_MODE", "preload") != "preload",
                       reason="the stack's worker is Prefect's own command"),
]


def test_a_run_scheduled_after_the_workers_poll_is_submitted_without_another(tmp_path: Path) -> None:
    pool = f"pitwall-wake-{uuid4().hex[:8]}"
    with get_client(sync_client=True) as client:
        stack = client.read_deployment_by_name("optimize-slate/optimize-slate")
        template = client.read_work_pool(stack.work_pool_name).base_job_template
        client.create_work_pool(WorkPoolCreate(name=pool, type="process", base_job_template=template))
        deployment = client.create_deployment(
            flow_id=stack.flow_id, name=pool, work_pool_name=pool, entrypoint=stack.entrypoint, path=stack.path,
            parameter_openapi_schema=stack.parameter_openapi_schema,
        )
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "deployments/preload_worker.py", "--pool", pool, "--name", pool], cwd=ROOT,
            env={**os.environ, "PREFECT_WORKER_QUERY_SECONDS": "3600"}, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: "started" in log.read_text() and "fork server ready" in log.read_text(), timeout=180,
                   what=f"the worker and its fork server to start (its log: {log})")
        time.sleep(3)  # its poll at start, the last for an hour, is over
        with get_client(sync_client=True) as client:
            run = client.create_flow_run_from_deployment(deployment, parameters={"run_id": f"no-such-job-{pool}"})

            def submitted():
                state = client.read_flow_run(run.id).state
                return state if state.type is not StateType.SCHEDULED else None

            state = wait_until(submitted, timeout=60, every=0.2,
                               what=f"the worker to submit the run without polling again (its log: {log})")
            assert state.type in (StateType.PENDING, StateType.RUNNING, StateType.FAILED), state
            wait_until(lambda: client.read_flow_run(run.id).state.is_final() or None, timeout=120,
                       what="the run of a missing job to end")
    finally:
        # Killed after 5 s: on these machines a Prefect worker (this one, and `prefect worker start` alike) stays up
        # after SIGTERM, its signal handlers forwarding a SIGINT that never stops it.
        end(worker, timeout=5)
        with get_client(sync_client=True) as client:
            client.delete_deployment(deployment)
            client.delete_work_pool(pool)
