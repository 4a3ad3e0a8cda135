"""Redis and Neo4j behind passwords: they refuse whoever lacks them, and pitwall still works end to end.

`make test` starts its stack with random PITWALL_REDIS_PASSWORD and PITWALL_NEO4J_PASSWORD (scripts/test.sh),
so Redis requires the one and Neo4j runs with authentication on, and the API, the worker, its flow runs and
the seed send them; every other integration test then goes through the authenticated path too. With
PITWALL_TEST_STORE_AUTH=off the stores run open and these tests skip, saying so.

Neo4j locks a user for a few seconds after three failed logins in a row, which would stall the runs of
other tests: every wrong login here is followed by a right one, which resets the count.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import httpx
import pytest
import redis
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

from pitwall.settings import Settings
from pitwall.stores.errors import CredentialsRefused
from pitwall.stores.graph import GraphStore
from pitwall.stores.jobs import JobStore
from tests.conftest import api_process, inline_request, wait_for_status

pytestmark = pytest.mark.integration

REDIS_PASSWORD = os.environ.get("PITWALL_REDIS_PASSWORD")
NEO4J_PASSWORD = os.environ.get("PITWALL_NEO4J_PASSWORD")
NEO4J_USER = os.environ.get("PITWALL_NEO4J_USER") or "neo4j"
WRONG = "wrong-password-0000"
needs_passwords = pytest.mark.skipif(
    not (REDIS_PASSWORD and NEO4J_PASSWORD),
    reason="the test stack's Redis and Neo4j run without passwords (PITWALL_TEST_STORE_AUTH=off): nothing to refuse",
)


def _right_neo4j_login() -> None:
    with GraphStore.from_settings(Settings()) as graph:
        graph.ping()


@needs_passwords
def test_redis_refuses_a_connection_without_the_password() -> None:
    url = os.environ["PITWALL_REDIS_URL"]
    for password in (None, WRONG):
        with redis.Redis.from_url(url, password=password, socket_timeout=5) as client:
            with pytest.raises(redis.AuthenticationError):
                client.ping()
            with pytest.raises(redis.AuthenticationError):
                client.keys("pitwall:*")
    with redis.Redis.from_url(url, password=REDIS_PASSWORD, socket_timeout=5) as client:
        assert client.ping()

    store = JobStore.from_settings(Settings(redis_password=WRONG, redis_retries=0))
    try:
        with pytest.raises(CredentialsRefused) as refused:
            store.ping()
    finally:
        store.close()
    assert refused.value.store == "redis" and "PITWALL_REDIS_PASSWORD" in refused.value.reason
    assert WRONG not in str(refused.value) and REDIS_PASSWORD not in str(refused.value)


@needs_passwords
@pytest.mark.parametrize("auth", [(NEO4J_USER, WRONG), None], ids=["wrong password", "none"])
def test_neo4j_refuses_a_session_without_the_password(auth: tuple[str, str] | None) -> None:
    try:
        with GraphDatabase.driver(os.environ["PITWALL_NEO4J_URI"], auth=auth, connection_acquisition_timeout=10) as driver:
            with driver.session() as session, pytest.raises(AuthError):
                session.run("MATCH (n) RETURN count(n)").consume()
    finally:
        _right_neo4j_login()


@needs_passwords
def test_the_graph_store_names_the_settings_a_refused_password_needs() -> None:
    graph = GraphStore.from_settings(Settings(neo4j_password=WRONG))
    try:
        with pytest.raises(CredentialsRefused) as refused:
            graph.ping()
    finally:
        graph.close()
        _right_neo4j_login()
    assert refused.value.store == "neo4j" and "PITWALL_NEO4J_PASSWORD" in refused.value.reason
    assert WRONG not in str(refused.value) and NEO4J_PASSWORD not in str(refused.value)


@pytest.fixture(scope="module")
def wrong_passwords_api(api_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """An API process of its own whose store passwords are wrong; the rest of its settings are the stack's."""
    log = tmp_path_factory.mktemp("wrong-passwords-api") / "api.log"
    env = {**os.environ, "PITWALL_REDIS_PASSWORD": WRONG, "PITWALL_NEO4J_PASSWORD": WRONG}
    try:
        with api_process(env, log, "the API with wrong passwords") as url:
            yield url, log
    finally:
        _right_neo4j_login()


@needs_passwords
def test_ready_names_each_store_that_refuses_the_password(wrong_passwords_api: tuple[str, Path]) -> None:
    url, log = wrong_passwords_api
    try:
        ready = httpx.get(f"{url}/ready", timeout=30)
    finally:
        _right_neo4j_login()
    assert ready.status_code == 503, ready.text
    dependencies = ready.json()["dependencies"]
    assert dependencies["prefect"]["status"] == "up", dependencies
    for store, setting in (("redis", "PITWALL_REDIS_PASSWORD"), ("neo4j", "PITWALL_NEO4J_PASSWORD")):
        assert dependencies[store]["status"] == "down", dependencies
        assert "refuses the credentials" in dependencies[store]["error"] and setting in dependencies[store]["error"]
    submitted = httpx.post(f"{url}/api/v1/optimize", json=inline_request(), timeout=30)
    assert submitted.status_code == 503 and "redis" in submitted.json()["detail"].lower(), submitted.text
    for text in (ready.text, submitted.text, log.read_text()):
        assert WRONG not in text and REDIS_PASSWORD not in text and NEO4J_PASSWORD not in text


def _artifacts_text(flow_run_id: str) -> str:
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(UUID(flow_run_id))
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    assert artifacts, "the run published no artifacts to look in"
    texts = [json.dumps(flow_run.parameters, default=str)]
    for artifact in artifacts:
        texts.append(artifact.data if isinstance(artifact.data, str) else json.dumps(artifact.data))
        texts.append(artifact.description or "")
    return "\n".join(texts)


@needs_passwords
def test_with_the_passwords_ready_and_a_job_succeed_and_neither_password_leaks(api: httpx.Client) -> None:
    ready = api.get("/ready")
    assert ready.status_code == 200, ready.text
    assert {name: d["status"] for name, d in ready.json()["dependencies"].items()} == {
        "prefect": "up", "redis": "up", "neo4j": "up"}

    submitted = api.post("/api/v1/optimize", json=inline_request())
    assert submitted.status_code == 202, submitted.text
    run_id = submitted.json()["run_id"]
    # The flow run reads and writes Redis (the job) and Neo4j (the history it calibrates from, the lineage).
    job = wait_for_status(api, run_id, {"complete", "failed"}, timeout=180)
    assert job["status"] == "complete", job

    texts = [json.dumps(job), api.get(f"/api/v1/jobs/{run_id}/result").text, _artifacts_text(job["flow_run_id"])]
    stack_dir = Path(os.environ["PITWALL_STACK_DIR"])
    logs = sorted(stack_dir.glob("*.log"))
    assert {"api.log", "worker.log", "redis.log", "neo4j.log"} <= {log.name for log in logs}
    texts += [log.read_text(errors="replace") for log in logs]
    for text in texts:
        assert REDIS_PASSWORD not in text and NEO4J_PASSWORD not in text


@needs_passwords
def test_no_store_password_is_on_a_command_line_of_the_stack() -> None:
    """`ps` shows every local user each process's arguments: the stack passes passwords otherwise."""
    stack_dir = Path(os.environ["PITWALL_STACK_DIR"])
    for service in ("redis", "neo4j", "prefect", "worker", "api"):
        pid = int((stack_dir / f"{service}.pid").read_text())
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        assert arguments, f"{service} (pid {pid}) is not running"
        assert REDIS_PASSWORD not in arguments and NEO4J_PASSWORD not in arguments, service
