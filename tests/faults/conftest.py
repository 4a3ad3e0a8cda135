"""Fault tests: a service of the real stack is killed or restarted while work is in flight, and each test
reports what it did and what was lost. `make test-faults` runs them on a stack of their own (ports 21xxx,
.stack-faults/) with a short reconcile delay and 30 s flow heartbeats, so every outcome arrives within minutes.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.states import AwaitingRetry

from deployments.waking_worker import children
from tests.conftest import inline_request, wait_for_status, wait_until

_REPORTS: list[tuple[str, list[str]]] = []
LOG_TAIL_LINES = 40


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not _REPORTS:
        return
    terminalreporter.section("faults: what was done, what was lost")
    for name, lines in _REPORTS:
        terminalreporter.write_line(name)
        for line in lines:
            terminalreporter.write_line(f"    {line}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed fault test shows the end of each service's log: a flake on a CI machine is read from there."""
    report = yield
    if report.failed and "PITWALL_STACK_DIR" in os.environ:
        for log in sorted(stack_dir().glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
            report.sections.append((f"{log.name} (last {len(tail)} lines)", "\n".join(tail)))
    return report


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Say what the test did and what it found; printed now (-s) and again in the run's summary."""
    lines: list[str] = []
    _REPORTS.append((request.node.name, lines))

    def say(line: str) -> None:
        print(f"[{request.node.name}] {line}", flush=True)
        lines.append(line)

    return say


def stack_dir() -> Path:
    return Path(os.environ["PITWALL_STACK_DIR"])


def service_pid(service: str) -> int:
    return int((stack_dir() / f"{service}.pid").read_text())


def descendants(pid: int) -> list[int]:
    """Every process below pid (the flow run processes a worker started), from /proc."""
    found: list[int] = []
    todo = [pid]
    while todo:
        kids = children(todo.pop())
        found += kids
        todo += kids
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "?"


def freeze(pids: list[int]) -> None:
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)


def kill_9(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def slow_request(seed: int) -> dict:
    """The sample slate with enough work (sharded scenarios, a 20-lineup solve) to be hit mid-run."""
    body = inline_request()
    body["scenario_config"] = {"n_scenarios": 20_000, "shards": 4, "seed": seed}
    body["portfolio"] = {"n_lineups": 20}
    return body


def unique_seed() -> int:
    return time.time_ns() % 1_000_000_000


def flow_run(flow_run_id: str):
    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(flow_run_id))


def flow_run_states(flow_run_id: str) -> list[str]:
    with get_client(sync_client=True) as client:
        return [state.name for state in client.read_flow_run_states(UUID(flow_run_id))]


def task_runs(flow_run_id: str) -> list:
    with get_client(sync_client=True) as client:
        return client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)])))


def operator_retry(flow_run_id: str) -> None:
    """What the UI's Retry does."""
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(flow_run_id), AwaitingRetry(), force=True)


def retried(api: httpx.Client, run_id: str, flow_run_id: str, timeout: float = 300) -> dict:
    """Retry the flow run as an operator would and return the job once the new attempt has finished."""
    attempts = flow_run(flow_run_id).run_count
    operator_retry(flow_run_id)

    def finished() -> bool:
        run = flow_run(flow_run_id)
        return run.run_count > attempts and run.state is not None and run.state.is_final()

    wait_until(finished, timeout, what=f"the retried flow run {flow_run_id} to finish")
    # The job follows from the flow itself, or from the reconciler when the flow could not tell it.
    return wait_for_status(api, run_id, {"complete", "failed", "cancelled"}, timeout=60)


def flow_run_story(flow_run_id: str | None) -> str:
    """Each state the flow run went through, with when and why: what an assertion on a job should say."""
    if not flow_run_id:
        return "no flow run"
    with get_client(sync_client=True) as client:
        states = client.read_flow_run_states(UUID(flow_run_id))
    return "; ".join(f"{state.timestamp:%H:%M:%S} {state.name}" + (f" ({state.message})" if state.message else "")
                     for state in states)


def job(api: httpx.Client, run_id: str) -> dict:
    response = api.get(f"/api/v1/jobs/{run_id}")
    assert response.status_code == 200, response.text
    return response.json()


def unfinished_job(api: httpx.Client, run_id: str) -> dict:
    """The job before its fault: one that ended already fails the test, saying how its flow run ended."""
    current = job(api, run_id)
    assert current["status"] in ("pending", "running"), (
        f"job {run_id} {current['status']} before the fault ({current.get('error')}); "
        f"its flow run: {flow_run_story(current.get('flow_run_id'))}")
    return current
