"""The job contract of DESIGN.md, status code by status code, against the running API, Redis and Prefect."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolUpdate

import pitwall
from tests.conftest import inline_request, wait_for_status, wait_until

pytestmark = pytest.mark.integration

MISSING_SLATE = {"slate_id": "test", "drivers": [], "scenario_config": {"n_scenarios": 100}}


@contextlib.contextmanager
def pool_paused() -> Iterator[None]:
    """Hold new flow runs in Prefect's queue, so a job is certainly still pending when it is read."""
    pool = os.environ.get("PITWALL_WORK_POOL", "pitwall")
    with get_client(sync_client=True) as client:
        client.update_work_pool(pool, WorkPoolUpdate(is_paused=True))
        try:
            yield
        finally:
            client.update_work_pool(pool, WorkPoolUpdate(is_paused=False))


def submit(api: httpx.Client, body: dict, **headers: str) -> dict:
    response = api.post("/api/v1/optimize", json=body, headers=headers)
    assert response.status_code == 202, response.text
    return response.json()


def field_errors(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"] == "invalid request"
    return {e["field"]: e["message"] for e in body["errors"]}


# --- submit


def test_submit_answers_202_with_the_run_id_its_status_and_where_to_follow_it(api):
    submitted = submit(api, MISSING_SLATE)
    run_id = submitted["run_id"]
    assert run_id and submitted["status"] == "pending"
    assert submitted["links"] == {
        "self": f"/api/v1/jobs/{run_id}",
        "status": f"/api/v1/jobs/{run_id}",
        "result": f"/api/v1/jobs/{run_id}/result",
    }
    job = api.get(submitted["links"]["status"])
    assert job.status_code == 200 and job.json()["run_id"] == run_id
    # The flow run is created right after the 202, and the job records it.
    wait_until(lambda: api.get(submitted["links"]["status"]).json()["flow_run_id"], timeout=30,
               what="the job to record its flow run")


def test_a_job_is_pending_then_complete_and_its_result_follows(api):
    with pool_paused():
        run_id = submit(api, inline_request())["run_id"]
        # The run cannot start while the pool is paused: the result is certainly not there yet.
        early = api.get(f"/api/v1/jobs/{run_id}/result")
        assert early.status_code == 202, early.text
        assert early.json()["status"] == "pending" and early.json()["run_id"] == run_id

    seen: set[str] = set()

    def finished() -> httpx.Response | None:
        response = api.get(f"/api/v1/jobs/{run_id}/result")
        if response.status_code == 202:
            seen.add(response.json()["status"])
            assert response.json()["status"] in {"pending", "running"}
            return None
        return response

    done = wait_until(finished, timeout=120, what=f"job {run_id} to finish")
    assert done.status_code == 200, f"{done.status_code} {done.text} (seen while waiting: {sorted(seen)})"
    body = done.json()
    assert body["run_id"] == run_id and body["status"] == "complete"
    assert isinstance(body["result"], dict)
    assert api.get(f"/api/v1/optimize/{run_id}/result").json() == body

    job = api.get(f"/api/v1/jobs/{run_id}").json()
    assert job["status"] == "complete" and job["error"] is None and job["progress"] == 1
    created, started, finished_at = (datetime.fromisoformat(job[k]) for k in ("created_at", "started_at", "finished_at"))
    assert created <= started <= finished_at


def test_a_run_on_a_slate_that_does_not_exist_fails_with_the_error_in_the_job(api):
    run_id = submit(api, MISSING_SLATE)["run_id"]
    job = wait_for_status(api, run_id, {"failed", "complete"})
    assert job["status"] == "failed", job
    assert job["error"] and "test" in job["error"], "the error names the slate that was not found"
    assert job["finished_at"] is not None

    for path in (f"/api/v1/jobs/{run_id}/result", f"/api/v1/optimize/{run_id}/result"):
        result = api.get(path)
        assert result.status_code == 409, result.text
        assert job["error"] in result.json()["detail"]


# --- reading jobs


def test_both_status_paths_answer_the_same_job(api):
    run_id = submit(api, MISSING_SLATE)["run_id"]
    by_job = api.get(f"/api/v1/jobs/{run_id}")
    by_optimize = api.get(f"/api/v1/optimize/{run_id}/status")
    assert by_job.status_code == by_optimize.status_code == 200
    assert by_job.json()["run_id"] == by_optimize.json()["run_id"] == run_id
    assert by_job.json()["slate_id"] == "test"
    assert {"status", "stage", "progress", "created_at", "updated_at", "flow_run_id", "error"} <= set(by_job.json())


@pytest.mark.parametrize(
    "path",
    ["/api/v1/jobs/{}", "/api/v1/optimize/{}/status", "/api/v1/jobs/{}/result", "/api/v1/optimize/{}/result"],
)
def test_an_unknown_run_id_is_404(api, path):
    unknown = uuid.uuid4().hex
    response = api.get(path.format(unknown))
    assert response.status_code == 404, response.text
    assert unknown in response.json()["detail"]


# --- invalid requests


def test_malformed_json_is_422_saying_where_it_broke(api):
    response = api.post("/api/v1/optimize", content=b'{"slate_id": "test",', headers={"content-type": "application/json"})
    errors = field_errors(response)
    assert list(errors) == ["body"] and "malformed JSON" in errors["body"]


def test_wrong_types_are_422_with_a_message_per_field(api):
    errors = field_errors(api.post("/api/v1/optimize", json={
        "slate_id": 5,
        "scenario_config": {"n_scenarios": "many"},
        "portfolio": {"n_lineups": [3]},
    }))
    assert set(errors) == {"slate_id", "scenario_config.n_scenarios", "portfolio.n_lineups"}
    assert "string" in errors["slate_id"] and "integer" in errors["scenario_config.n_scenarios"]


def test_unknown_fields_are_422_naming_each(api):
    body = inline_request()
    body["n_lineups"] = 20
    body["scenario_config"]["n_scenario"] = 500
    body["drivers"][3]["team"] = "Penske"
    errors = field_errors(api.post("/api/v1/optimize", json=body))
    assert set(errors) == {"n_lineups", "scenario_config.n_scenario", "drivers.3.team"}


def test_a_request_without_a_slate_is_422_saying_what_to_give(api):
    errors = field_errors(api.post("/api/v1/optimize", json={"scenario_config": {"n_scenarios": 100}}))
    assert list(errors) == ["body"] and "slate_id" in errors["body"]


def test_too_few_inline_drivers_is_422(api):
    body = inline_request()
    body["drivers"] = body["drivers"][:5]
    errors = field_errors(api.post("/api/v1/optimize", json=body))
    assert "at least 6 drivers" in errors["body"]


@pytest.mark.parametrize(
    "content",
    [b"[]", b"null", b'"a slate"', b"", b"\xff\xfe{}", b"[" * 50_000 + b"]" * 50_000, b'{"slate_id": NaN}'],
    ids=["array", "null", "string", "empty", "not-utf8", "deep-nesting", "nan"],
)
def test_hostile_bodies_are_refused_as_the_clients_fault(api, content):
    response = api.post("/api/v1/optimize", content=content, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, f"{response.status_code} {response.text[:300]}"
    assert response.json()["detail"]


def test_an_oversized_body_is_413_before_it_is_read(api):
    padding = "x" * 1_100_000  # over the API's default 1 MB limit
    response = api.post("/api/v1/optimize", json={"slate_id": "test", "pad": padding})
    assert response.status_code == 413, response.text[:300]
    assert "larger than" in response.json()["detail"]


def test_an_oversized_chunked_body_is_413(api):
    # No Content-Length: the limit must count the bytes as they arrive.
    def chunks() -> Iterator[bytes]:
        yield b'{"slate_id": "test", "pad": "'
        for _ in range(24):
            yield b"x" * 50_000
        yield b'"}'

    response = api.post("/api/v1/optimize", content=chunks(), headers={"content-type": "application/json"})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == 413, response.text[:300]


# --- idempotency


def test_the_same_idempotency_key_and_body_replay_the_same_run(api):
    key = f"contract-{uuid.uuid4().hex}"
    first = api.post("/api/v1/optimize", json=MISSING_SLATE, headers={"Idempotency-Key": key})
    again = api.post("/api/v1/optimize", json=MISSING_SLATE, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 202
    assert again.json()["run_id"] == first.json()["run_id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers


def test_the_same_idempotency_key_with_another_body_is_409(api):
    key = f"contract-{uuid.uuid4().hex}"
    first = submit(api, MISSING_SLATE, **{"Idempotency-Key": key})
    other = dict(MISSING_SLATE, scenario_config={"n_scenarios": 200})
    conflict = api.post("/api/v1/optimize", json=other, headers={"Idempotency-Key": key})
    assert conflict.status_code == 409, conflict.text
    assert key in conflict.json()["detail"] and first["run_id"] in conflict.json()["detail"]


def test_without_a_key_each_submission_is_a_new_run(api):
    assert submit(api, MISSING_SLATE)["run_id"] != submit(api, MISSING_SLATE)["run_id"]


# --- health and readiness


def test_health_says_the_process_lives(api):
    first = api.get("/health")
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "ok" and body["version"] == pitwall.__version__
    assert datetime.fromisoformat(body["timestamp"]).tzinfo is not None
    later = wait_until(lambda: (r := api.get("/health").json())["uptime_seconds"] > body["uptime_seconds"] and r,
                       timeout=5, every=0.05, what="uptime to grow")
    assert later["uptime_seconds"] >= 0


def test_ready_is_200_with_all_three_dependencies_up(api):
    response = api.get("/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["dependencies"]) == {"prefect", "redis", "neo4j"}
    for name, dependency in body["dependencies"].items():
        assert dependency["status"] == "up" and dependency["error"] is None, (name, dependency)
