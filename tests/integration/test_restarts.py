"""Jobs outlive restarts and outages: the API, Redis (even kill -9), Prefect and Neo4j, driven by the stack script.

Every test that stops a service starts it again in a `finally`, so one failure does not take the rest of the
suite down with it. Ordered cheapest first; Neo4j, the slowest to come back, goes last.
"""

from __future__ import annotations

import time

import httpx
import pytest

from pitwall.request import OptimizeRequest
from pitwall.settings import get_settings
from pitwall.stores.jobs import JobStore
from tests.conftest import SAMPLE_SLATE, inline_request, stack, wait_for_status, wait_until

pytestmark = pytest.mark.integration

MISSING_SLATE = {"slate_id": "test", "drivers": [], "scenario_config": {"n_scenarios": 100}}
RACE = {"track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312}
# redis-server runs with appendfsync everysec: a write is on disk within about a second.
AOF_FSYNC_SECONDS = 1.5


def _submit(api_url: str, body: dict) -> str:
    response = httpx.post(f"{api_url}/api/v1/optimize", json=body, timeout=30)
    assert response.status_code == 202, response.text
    return response.json()["run_id"]


@pytest.fixture(scope="module")
def slate_job(api_url: str) -> str:
    """A job on the sample slate, submitted once for the module: the restarts below happen around it."""
    return _submit(api_url, inline_request())


@pytest.fixture(scope="module")
def missing_slate_job(api_url: str, slate_job: str) -> str:
    """A job whose run fails (its slate does not exist), submitted along with the first so both run at once."""
    return _submit(api_url, MISSING_SLATE)


def readiness(api: httpx.Client) -> tuple[int, dict[str, str]]:
    response = api.get("/ready")
    return response.status_code, {name: d["status"] for name, d in response.json()["dependencies"].items()}


def wait_ready(api: httpx.Client, timeout: float = 60) -> None:
    wait_until(lambda: readiness(api)[0] == 200, timeout, what="/ready to answer 200")


def test_a_job_survives_a_restart_of_the_api(api, slate_job, missing_slate_job, restores):
    restores.append("api")
    stack("stop", "api")
    stopped_at = time.monotonic()
    with pytest.raises(httpx.TransportError):
        api.get("/health")
    # What an API that died between accepting a job and creating its flow run leaves behind.
    store = JobStore.from_settings(get_settings())
    try:
        orphan, _ = store.create(OptimizeRequest.model_validate(MISSING_SLATE).model_dump(mode="json"))
    finally:
        store.close()
    stack("start", "api")

    uptime_after = api.get("/health").json()["uptime_seconds"]
    assert uptime_after <= time.monotonic() - stopped_at, "the API answering is a new process"

    # The run went on in Prefect while no API was there to watch it.
    job = wait_for_status(api, slate_job, {"complete", "failed"}, timeout=120)
    assert job["status"] == "complete", job
    result = api.get(f"/api/v1/jobs/{slate_job}/result")
    assert result.status_code == 200 and result.json()["run_id"] == slate_job

    # The new process dispatched the accepted job the old one never handed to Prefect.
    adopted = wait_for_status(api, orphan.run_id, {"complete", "failed"}, timeout=120)
    assert adopted["flow_run_id"] and adopted["started_at"], adopted
    assert "test" in adopted["error"], "it failed in its flow, on the missing slate"


def test_a_job_survives_kill_9_of_redis(api, slate_job, missing_slate_job, restores):
    job_before = wait_for_status(api, slate_job, {"complete", "failed"}, timeout=120)
    assert job_before["status"] == "complete", job_before
    result_before = api.get(f"/api/v1/jobs/{slate_job}/result").json()
    failed_before = wait_for_status(api, missing_slate_job, {"failed"})
    time.sleep(AOF_FSYNC_SECONDS)

    restores.append("redis")
    stack("kill", "redis")
    assert api.get(f"/api/v1/jobs/{slate_job}").status_code == 503
    stack("start", "redis")

    job_after = wait_until(lambda: (r := api.get(f"/api/v1/jobs/{slate_job}")).status_code == 200 and r.json(),
                           timeout=30, what="the job to be readable after Redis came back")
    assert job_after == job_before
    assert api.get(f"/api/v1/jobs/{slate_job}/result").json() == result_before
    assert api.get(f"/api/v1/jobs/{missing_slate_job}").json() == failed_before


def test_with_redis_stopped_ready_and_job_endpoints_answer_503_then_recover(api, slate_job, restores):
    restores.append("redis")
    stack("stop", "redis")

    status, dependencies = readiness(api)
    assert status == 503 and dependencies == {"prefect": "up", "redis": "down", "neo4j": "up"}
    assert api.get("/ready").json()["dependencies"]["redis"]["error"]
    assert api.get("/health").status_code == 200, "liveness does not depend on Redis"

    for method, path, body in [
        ("GET", f"/api/v1/jobs/{slate_job}", None),
        ("GET", f"/api/v1/optimize/{slate_job}/status", None),
        ("GET", f"/api/v1/jobs/{slate_job}/result", None),
        ("GET", "/api/v1/jobs", None),
        ("POST", "/api/v1/optimize", MISSING_SLATE),
    ]:
        response = api.request(method, path, json=body)
        assert response.status_code == 503, f"{method} {path}: {response.status_code} {response.text}"
        assert "redis" in response.json()["detail"].lower(), response.text

    stack("start", "redis")
    restores.remove("redis")
    # The same API process reconnects by itself.
    wait_ready(api, timeout=30)
    assert api.get(f"/api/v1/jobs/{slate_job}").json()["run_id"] == slate_job
    submitted = api.post("/api/v1/optimize", json=MISSING_SLATE)
    assert submitted.status_code == 202, submitted.text
    # Let its run end here rather than during the Prefect outage that follows.
    wait_for_status(api, submitted.json()["run_id"], {"failed"})


def test_with_prefect_stopped_ready_and_submissions_are_503_and_nothing_is_stored(api, slate_job, restores):
    key = f"prefect-outage-{time.time_ns()}"
    restores += ["prefect", "worker"]
    stack("stop", "prefect")

    status, dependencies = readiness(api)
    assert status == 503 and dependencies == {"prefect": "down", "redis": "up", "neo4j": "up"}
    assert api.get(f"/api/v1/jobs/{slate_job}").status_code == 200, "reading jobs needs only Redis"

    jobs_before = api.get("/api/v1/jobs?limit=500").json()["jobs"]
    refused = api.post("/api/v1/optimize", json=MISSING_SLATE, headers={"Idempotency-Key": key})
    assert refused.status_code == 503, refused.text
    assert "prefect" in refused.json()["detail"].lower()
    assert api.get("/api/v1/jobs?limit=500").json()["jobs"] == jobs_before, "a refused submission leaves no job"

    stack("start", "prefect")  # also deploys again
    wait_ready(api, timeout=60)

    # The refusal took no key: the client's retry with the same one is a new job, and the worker, back
    # in touch with the server, runs it.
    again = api.post("/api/v1/optimize", json=MISSING_SLATE, headers={"Idempotency-Key": key})
    assert again.status_code == 202, again.text
    assert "Idempotent-Replayed" not in again.headers
    rerun = wait_for_status(api, again.json()["run_id"], {"failed", "complete"}, timeout=120)
    assert rerun["status"] == "failed" and rerun["started_at"], "a worker picked the run up"
    assert "test" in rerun["error"], "the run failed in the flow, on the missing slate, not for want of Prefect"


def test_with_neo4j_stopped_ready_and_slates_are_503_and_runs_fail_clearly(api, slate_job, restores):
    restores.append("neo4j")
    stack("stop", "neo4j")

    status, dependencies = readiness(api)
    assert status == 503 and dependencies == {"prefect": "up", "redis": "up", "neo4j": "down"}
    assert api.get("/ready").json()["dependencies"]["neo4j"]["error"]
    # The job contract does not touch the graph: jobs stay readable, and submitting still works.
    assert api.get(f"/api/v1/jobs/{slate_job}").status_code == 200
    for response in (api.get("/api/v1/slates"), api.get("/api/v1/slates/any-slate"),
                     api.post("/api/v1/slates", json={"salaries_csv": SAMPLE_SLATE.read_text(), **RACE})):
        assert response.status_code == 503, response.text
        assert "neo4j" in response.json()["detail"]
    run_id = _submit(api.base_url, inline_request())
    failed = wait_for_status(api, run_id, {"failed", "complete"}, timeout=120)
    assert failed["status"] == "failed" and "neo4j unavailable" in failed["error"], failed

    stack("start", "neo4j")
    restores.remove("neo4j")
    wait_ready(api, timeout=60)
