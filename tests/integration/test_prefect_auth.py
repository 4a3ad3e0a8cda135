"""The Prefect server behind basic auth: it refuses whoever lacks the auth string, and pitwall still works.

`make test` runs its stack with PITWALL_PREFECT_AUTH_STRING set (scripts/test.sh), so the server requires
it and the deployments, worker, flow runs and API send it; then every other integration test also runs
through the authenticated path. With PITWALL_TEST_PREFECT_AUTH=off the stack runs open and these tests
skip, saying so.
"""

from __future__ import annotations

import asyncio
import os
from uuid import UUID

import httpx
import pytest
from prefect.client.orchestration import get_client

from flows.submit import basic_auth
from pitwall.settings import Settings
from service.orchestrator import Orchestrator, OrchestratorUnavailable
from tests.conftest import inline_request, wait_for_status, wait_until

pytestmark = pytest.mark.integration

AUTH = os.environ.get("PREFECT_API_AUTH_STRING")
needs_auth = pytest.mark.skipif(
    not AUTH, reason="the test stack's Prefect server runs open (no PITWALL_PREFECT_AUTH_STRING): nothing to refuse"
)


@pytest.fixture(scope="module")
def prefect_url() -> str:
    url = os.environ.get("PREFECT_API_URL")
    assert url, "the test stack's PREFECT_API_URL is not set"
    return url.rstrip("/")


@needs_auth
@pytest.mark.parametrize("headers", [{}, basic_auth("pitwall-test:wrong"), {"Authorization": "Bearer nothing"}],
                         ids=["none", "wrong password", "not basic"])
def test_prefect_refuses_a_call_without_the_auth_string(prefect_url: str, headers: dict[str, str]) -> None:
    for method, path in (("POST", "/deployments/filter"), ("POST", "/flow_runs/filter"), ("GET", "/admin/version")):
        response = httpx.request(method, f"{prefect_url}{path}", headers=headers, json={} if method == "POST" else None,
                                 timeout=10)
        assert response.status_code == 401, f"{method} {path} with {headers or 'no header'}: {response.status_code}"


@needs_auth
def test_prefect_takes_the_auth_string_and_leaves_health_open(prefect_url: str) -> None:
    assert httpx.post(f"{prefect_url}/deployments/filter", headers=basic_auth(AUTH), json={}, timeout=10).status_code == 200
    # Probes need no credentials: the stack's own wait and the API's first check call these.
    assert httpx.get(f"{prefect_url}/health", timeout=10).status_code == 200
    assert httpx.get(f"{prefect_url}/ready", timeout=10).status_code == 200


@needs_auth
def test_the_api_is_ready_and_a_job_completes_behind_auth(api: httpx.Client) -> None:
    ready = api.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["dependencies"]["prefect"]["status"] == "up"

    submitted = api.post("/api/v1/optimize", json=inline_request())
    assert submitted.status_code == 202, submitted.text
    job = wait_for_status(api, submitted.json()["run_id"], {"complete", "failed"}, timeout=180)
    assert job["status"] == "complete", job
    # The worker started the run and its flow process reported its states to the authenticated server, up to
    # the last (the job completes inside the flow, a moment before the flow run does).
    with get_client(sync_client=True) as client:
        wait_until(lambda: client.read_flow_run(UUID(job["flow_run_id"])).state.type.value == "COMPLETED", 60,
                   what="the flow run to be Completed in Prefect")


@needs_auth
def test_a_wrong_auth_string_makes_the_api_not_ready_and_refuse_submissions(prefect_url: str) -> None:
    """An API configured with the wrong credentials says so in /ready, not only as a 503 on each submit."""
    settings = Settings(prefect_api_url=prefect_url, prefect_auth_string="pitwall-test:wrong", prefect_timeout_seconds=10)

    async def probe() -> tuple[BaseException | None, BaseException | None]:
        async with Orchestrator.from_settings(settings) as orchestrator:
            ready_error = check_error = None
            try:
                await orchestrator.ready(5)
            except Exception as exc:
                ready_error = exc
            try:
                await orchestrator.check()
            except OrchestratorUnavailable as exc:
                check_error = exc
            return ready_error, check_error

    ready_error, check_error = asyncio.run(probe())
    assert isinstance(ready_error, httpx.HTTPStatusError) and ready_error.response.status_code == 401, ready_error
    assert check_error is not None and "401" in str(check_error), check_error
    assert "wrong" not in str(check_error)  # the credentials are never echoed
