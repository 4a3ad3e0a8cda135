"""`kill -9` of Redis in the middle of a burst of submissions: every submission that got a 202 is still there
once Redis is back; the others got a 503 naming Redis and may be sent again."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName, FlowRunFilterState, FlowRunFilterStateType
from prefect.client.schemas.objects import StateType
from prefect.states import Cancelled

from tests.conftest import stack, wait_until
from tests.faults.conftest import service_pid

pytestmark = pytest.mark.faults

SUBMISSIONS = 40
KILL_AFTER_202S = 10
# A slate the graph does not hold: the runs would fail at once, but no worker runs them here.
BODY = {"slate_id": "fault-burst", "drivers": [], "scenario_config": {"n_scenarios": 100}}


def _cancel_waiting_runs() -> int:
    """The burst's flow runs (503s included: some got theirs before Redis went) are cancelled before a worker
    comes back, so it does not start forty doomed flows."""
    waiting = FlowRunFilter(
        name=FlowRunFilterName(like_="optimize-"),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED, StateType.PENDING])),
    )
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=waiting, limit=200)
        for run in runs:
            client.set_flow_run_state(run.id, Cancelled(message="fault test burst"), force=True)
    return len(runs)


@pytest.fixture
def no_worker(restores, report):
    """The flow runs of the burst are not the point, and forty flow processes would swamp a small machine."""
    restores.append("worker")
    stack("stop", "worker")
    yield
    report(f"flow runs of the burst cancelled before the worker came back: {_cancel_waiting_runs()}")


def test_every_202_survives_kill_9_of_redis_during_a_burst(api, api_url, no_worker, restores, report):
    answers: list[tuple[int, str | None, float, str]] = []
    lock = threading.Lock()
    go = threading.Barrier(SUBMISSIONS + 1)
    killed = threading.Event()
    killed_at: list[float] = []
    redis = service_pid("redis")

    def submit(n: int) -> None:
        go.wait()
        try:
            response = httpx.post(f"{api_url}/api/v1/optimize", json=BODY, timeout=180,
                                  headers={"Idempotency-Key": f"burst-{time.time_ns()}-{n}"})
            code, text = response.status_code, response.text
            run_id = response.json().get("run_id") if code == 202 else None
        except httpx.HTTPError as exc:
            code, run_id, text = 0, None, f"{type(exc).__name__}: {exc}"
        with lock:
            answers.append((code, run_id, time.monotonic(), text[:300]))
            # Killed the moment a 202 goes out: the writes it acknowledged are milliseconds old, younger
            # than the AOF's once-a-second fsync.
            if code == 202 and not killed.is_set() and sum(a[0] == 202 for a in answers) >= KILL_AFTER_202S:
                os.kill(redis, signal.SIGKILL)
                killed_at.append(time.monotonic())
                killed.set()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(SUBMISSIONS)]
    for thread in threads:
        thread.start()
    go.wait()
    restores.append("redis")
    assert killed.wait(timeout=180), "the burst never reached the kill"
    with lock:
        before_kill = len(answers)
    stack("kill", "redis")  # already dead: only its pid file goes
    stack("start", "redis")
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a submission never got an answer"

    accepted = [(run_id, at) for code, run_id, at, _ in answers if code == 202]
    refused = [text for code, _, _, text in answers if code == 503]
    other = [(code, text) for code, _, _, text in answers if code not in (202, 503)]
    assert not other, f"submissions answered neither 202 nor 503: {other}"
    assert all("redis" in text.lower() or "prefect" in text.lower() for text in refused), refused

    def readable(run_id: str) -> int:
        response = api.get(f"/api/v1/jobs/{run_id}")
        assert response.status_code != 200 or response.json()["run_id"] == run_id, response.text
        return response.status_code

    wait_until(lambda: api.get("/ready").status_code == 200, timeout=60, what="Redis to be back")
    lost = [run_id for run_id, _ in accepted if readable(run_id) != 200]
    last_second = [run_id for run_id, at in accepted if killed_at[0] - 1.0 <= at <= killed_at[0]]
    after_kill = [at - killed_at[0] for code, _, at, _ in answers if at > killed_at[0]]
    report(f"{SUBMISSIONS} concurrent submissions; Redis killed -9 right after the {KILL_AFTER_202S}th 202 "
           f"({before_kill} answers by then), started again; {len(after_kill)} answers came "
           f"{min(after_kill, default=0):.1f}-{max(after_kill, default=0):.1f} s after the kill")
    report(f"{len(accepted)} got 202 ({len(last_second)} of them within the second before the kill), "
           f"{len(refused)} got 503; 202s not readable after the restart: {len(lost)}")
    reasons = Counter(json.loads(text)["detail"].split(":")[0] for text in refused)
    report(f"503s by dependency: {dict(reasons)}")
    assert not lost, f"acknowledged jobs lost: {lost}"
    assert last_second, "no 202 within the second before the kill: nothing was shown"

    # The API creates flow runs after the 202s, and retries those the outage interrupted: every accepted
    # job gets its run (and the fixture cancels them all before a worker is back).
    def dispatched() -> bool:
        return all(api.get(f"/api/v1/jobs/{run_id}").json()["flow_run_id"] for run_id, _ in accepted)

    wait_until(dispatched, timeout=120, what="every accepted job to have its flow run")
    report(f"every 202's job had its flow run {time.monotonic() - killed_at[0]:.0f} s after the kill")
