"""The upcoming-slates flow starts its jobs the way the API does (flows/submit.py), on the test stack.

Its submit task runs for real: the job is written in the stack's Redis and its flow run is created in the
stack's Prefect, or, with the task pointed at a port nothing listens on, not created at all (a real refused
connection). Then the job must stay pending for the API's sweep, which starts it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import uuid
from collections.abc import Iterator

import pytest
from prefect.client.orchestration import get_client

from flows.optimize import optimize_slate
from flows.submit import FLOW_RUN_NAME
from flows.upcoming import optimize_upcoming, submit_slate
from pitwall.jobs import JobStatus
from pitwall.settings import get_settings
from pitwall.stores.jobs import JobStore
from tests.conftest import SAMPLE_SLATE, wait_for_status

pytestmark = pytest.mark.integration

RACE = {"track": "Phoenix Raceway", "laps": 312}


@pytest.fixture
def jobs() -> Iterator[JobStore]:
    store = JobStore.from_settings(get_settings())
    yield store
    store.close()


@pytest.fixture
def prefect_refuses(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The submit task's Prefect API on a port that is bound but not listening: every connect is refused."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/api"
        monkeypatch.setenv("PITWALL_PREFECT_API_URL", url)
        monkeypatch.setenv("PITWALL_PREFECT_TIMEOUT_SECONDS", "5")
        get_settings.cache_clear()
        try:
            yield url
        finally:
            get_settings.cache_clear()  # the next read sees the stack's settings again


def _slate_id() -> str:
    # No such slate in the graph: the run, once started, fails on it, which is all these tests need of it.
    return f"test-upcoming-{uuid.uuid4().hex[:12]}"


def _flow_run_name(flow_run_id: str) -> str:
    async def read() -> str:
        async with get_client() as client:
            return (await client.read_flow_run(uuid.UUID(flow_run_id))).name

    return asyncio.run(read())


def test_the_flow_starts_each_upcoming_slate_once_with_a_flow_run_named_after_its_job(api, jobs: JobStore) -> None:
    # A race date of its own after the bundled history, so the window holds this slate alone.
    race_date = dt.date(2025, 1, 1) + dt.timedelta(days=uuid.uuid4().int % 365)
    body = {"salaries_csv": SAMPLE_SLATE.read_text(), **RACE, "date": race_date.isoformat()}
    stored = api.post("/api/v1/slates", json=body)
    assert stored.status_code in (200, 201), stored.text
    slate_id = stored.json()["slate_id"]

    started = optimize_upcoming(window_days=0, n_lineups=3, n_scenarios=500, today=race_date)
    assert list(started) == [slate_id] and started[slate_id], started
    run_id = started[slate_id]
    job = jobs.get(run_id)
    assert job.flow_run_id, job
    assert _flow_run_name(job.flow_run_id) == FLOW_RUN_NAME.format(run_id=run_id) == f"optimize-{run_id}"
    assert optimize_slate.flow_run_name == FLOW_RUN_NAME
    again = optimize_upcoming(window_days=0, n_lineups=3, n_scenarios=500, today=race_date)
    assert again == {slate_id: None}, "one job per slate version"

    # The worker took the flow run and the stored slate was optimized under the job.
    done = wait_for_status(api, run_id, {"complete", "failed"}, timeout=180)
    assert done["status"] == "complete", done["error"]
    assert done["started_at"] and done["flow_run_id"] == job.flow_run_id, done


def test_with_prefect_refusing_the_slate_job_stays_pending_and_the_api_starts_it(
    api, jobs: JobStore, prefect_refuses: str
) -> None:
    slate_id = _slate_id()
    run_id = submit_slate(slate_id, 3, 100)
    assert run_id is not None, "the job was created before its flow run was tried"
    job = jobs.get(run_id)
    assert (job.status, job.flow_run_id, job.error) == (JobStatus.pending, None, None), job
    # The key stays with the job: the next scheduled run does not make a second job for this slate version.
    assert submit_slate(slate_id, 3, 100) is None

    # The API's reconcile sweep takes a quiet pending job with no flow run, as it would one an API process
    # accepted and then died: it creates the run, which fails on the slate that does not exist.
    ended = wait_for_status(api, run_id, {"complete", "failed"}, timeout=180)
    assert ended["flow_run_id"] and ended["started_at"], ended
    assert slate_id in ended["error"], ended
