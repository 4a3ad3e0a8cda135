"""The stack's worker starts flow runs from its preloaded fork server (PITWALL_WORKER_MODE=preload, the
default), not as fresh interpreters: the process the worker started and watches is the launcher, and the
engine runs in a child of the fork server, in a session of its own, reaped when it ends. A launcher killed
(as a cancellation's hard kill does) takes its flow process with it, and the job fails."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from prefect.client.orchestration import get_client

from deployments.waking_worker import children
from tests.conftest import inline_request, wait_for_status, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.environ.get("PITWALL_WORKER_MODE", "preload") != "preload",
                       reason="the stack's worker runs flow runs as fresh interpreters"),
]


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def fork_server() -> tuple[int, int]:
    worker = int((Path(os.environ["PITWALL_STACK_DIR"]) / "worker.pid").read_text())
    servers = [pid for pid in children(worker) if "preload_worker.py" in cmdline(pid)]
    assert len(servers) == 1, f"the worker {worker} has one fork server: {[cmdline(p) for p in children(worker)]}"
    return worker, servers[0]


def mid_run(api: httpx.Client) -> tuple[str, int]:
    """A run at its scenarios or solve, and the pid of the process its worker watches."""
    body = inline_request()
    body["scenario_config"] = {"n_scenarios": 20_000, "shards": 4, "seed": time.time_ns() % 1_000_000_000}
    body["portfolio"] = {"n_lineups": 20}
    run_id = api.post("/api/v1/optimize", json=body).json()["run_id"]

    def working() -> dict | None:
        job = api.get(f"/api/v1/jobs/{run_id}").json()
        assert job["status"] in ("pending", "running"), job
        return job if job["stage"] in ("simulate", "solve", "evaluate") else None

    job = wait_until(working, timeout=180, every=0.1, what="the run to reach its scenarios or solve")
    with get_client(sync_client=True) as client:
        return run_id, int(client.read_flow_run(UUID(job["flow_run_id"])).infrastructure_pid)


def test_a_flow_run_is_a_fork_of_the_preloaded_server(api: httpx.Client) -> None:
    worker, server = fork_server()
    servers = [server]
    run_id, launcher = mid_run(api)
    assert launcher in children(worker) and "launch.py" in cmdline(launcher), \
        f"the worker watches the launcher it started, not an engine: {cmdline(launcher)}"
    flows = children(server)
    assert flows, "the engine runs in a fork of the fork server"
    assert all(os.getsid(pid) == pid for pid in flows), "each flow process leads a session of its own"

    done = wait_for_status(api, run_id, {"complete", "failed"}, timeout=300)
    assert done["status"] == "complete", done
    wait_until(lambda: launcher not in children(worker), timeout=30, what="the launcher to end with its flow process")
    assert servers == [pid for pid in children(worker) if "preload_worker.py" in cmdline(pid)], \
        "the same fork server serves the next run"


def test_a_killed_launcher_takes_its_flow_process_with_it(api: httpx.Client) -> None:
    worker, server = fork_server()
    before = set(children(server))
    run_id, launcher = mid_run(api)
    assert "launch.py" in cmdline(launcher), cmdline(launcher)
    flows = [pid for pid in children(server) if pid not in before and alive(pid)]
    assert flows, "the engine runs in a fork of the fork server"

    os.kill(launcher, signal.SIGKILL)
    wait_until(lambda: not any(alive(pid) for pid in flows), timeout=30,
               what="the flow processes of the fork server to die with their launcher")
    failed = wait_for_status(api, run_id, {"failed", "complete"}, timeout=180)
    assert failed["status"] == "failed", failed
    assert fork_server() == (worker, server), "the fork server serves on"
