"""API keys, the per-key rate limit and CORS, against a second API process of this test's own.

The test stack's API runs open (no keys), as the local stack does; this module starts another uvicorn on
the same Redis, Neo4j and Prefect server with keys, a small rate limit and one CORS origin, and stops it
by its pid afterwards. The unit tests at the end need no stack.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from service.app import create_app
from service.security import TokenBucket, match_key
from tests.conftest import SAMPLE_SLATE, api_process, free_port, inline_request, no_traceback

KEYS = {"submit": "pw-submit-4f1c9a", "burst": "pw-burst-77d02e", "spare": "pw-spare-c3b815"}
RATE = 3
ALLOWED_ORIGIN = "https://dashboard.example"
PREFERRED_PORT = 18100


@pytest.fixture(scope="module")
def keyed_api_log(api_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    log = tmp_path_factory.mktemp("keyed-api") / "api.log"
    env = {
        **os.environ,
        "PITWALL_API_KEYS": ",".join(KEYS.values()),
        "PITWALL_RATE_LIMIT_PER_MINUTE": str(RATE),
        "PITWALL_CORS_ORIGINS": ALLOWED_ORIGIN,
    }
    with api_process(env, log, "the keyed API", port=free_port(PREFERRED_PORT)) as url:
        yield url, log


@pytest.fixture
def keyed(keyed_api_log: tuple[str, Path]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=keyed_api_log[0], timeout=30, event_hooks={"response": [no_traceback]}) as client:
        yield client


def _slate_upload() -> dict:
    return {"salaries_csv": SAMPLE_SLATE.read_text(), "track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312}


WRITES = [("/api/v1/optimize", inline_request), ("/api/v1/slates", _slate_upload)]


@pytest.mark.parametrize(("path", "body"), WRITES)
def test_a_write_without_a_key_is_401(keyed: httpx.Client, path: str, body) -> None:
    response = keyed.post(path, json=body())
    assert response.status_code == 401, response.text
    assert "X-API-Key" in response.json()["detail"]


@pytest.mark.parametrize(("path", "body"), WRITES)
@pytest.mark.parametrize("wrong", ["nope", KEYS["submit"] + "x", KEYS["submit"][:-1], "\u00e9t\u00e9"])
def test_a_write_with_a_wrong_key_is_403(keyed: httpx.Client, path: str, body, wrong: str) -> None:
    # Header values go out as latin-1: a non-ASCII key must be refused, not crash the comparison.
    response = keyed.post(path, json=body(), headers={"X-API-Key": wrong.encode("latin-1")})
    assert response.status_code == 403, response.text
    assert wrong not in response.text
    assert response.json()["detail"]


def test_writes_with_a_right_key_go_through(keyed: httpx.Client) -> None:
    headers = {"X-API-Key": KEYS["submit"]}
    slate = keyed.post("/api/v1/slates", json=_slate_upload(), headers=headers)
    assert slate.status_code == 201, slate.text
    submitted = keyed.post("/api/v1/optimize", json=inline_request(), headers=headers)
    assert submitted.status_code == 202, submitted.text
    run_id = submitted.json()["run_id"]
    # Reads need no key.
    assert keyed.get(f"/api/v1/jobs/{run_id}").status_code == 200
    assert keyed.get("/api/v1/jobs", params={"limit": 5}).status_code == 200
    assert keyed.get(f"/api/v1/slates/{slate.json()['slate_id']}").status_code == 200
    assert keyed.get("/health").status_code == 200


def test_the_rate_limit_is_per_key_and_says_when_to_retry(keyed: httpx.Client) -> None:
    # An empty body passes the key check and then fails validation: it spends a token, starts no flow run.
    burst = {"X-API-Key": KEYS["burst"]}
    for attempt in range(RATE):
        response = keyed.post("/api/v1/optimize", json={}, headers=burst)
        assert response.status_code == 422, f"write {attempt + 1} of {RATE}: {response.status_code} {response.text}"
    limited = keyed.post("/api/v1/optimize", json={}, headers=burst)
    assert limited.status_code == 429, limited.text
    assert limited.json()["detail"]
    retry_after = int(limited.headers["Retry-After"])
    assert 1 <= retry_after <= 60 / RATE + 1
    # Slates are writes too, from the same bucket.
    assert keyed.post("/api/v1/slates", json=_slate_upload(), headers=burst).status_code == 429
    # Other keys keep their own buckets, and reads are never limited.
    assert keyed.post("/api/v1/optimize", json={}, headers={"X-API-Key": KEYS["spare"]}).status_code == 422
    for _ in range(RATE + 2):
        assert keyed.get("/api/v1/jobs", params={"limit": 1}).status_code == 200


def test_cors_only_for_configured_origins(keyed: httpx.Client, api: httpx.Client) -> None:
    preflight = {"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type,x-api-key"}
    allowed = keyed.options("/api/v1/optimize", headers=preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "x-api-key" in allowed.headers["access-control-allow-headers"].lower()

    stranger = keyed.get("/api/v1/jobs", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in stranger.headers
    refused = keyed.options("/api/v1/optimize", headers={**preflight, "Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in refused.headers


def test_cors_is_closed_by_default(api: httpx.Client) -> None:
    # The test stack's API runs with no PITWALL_CORS_ORIGINS.
    got = api.get("/api/v1/jobs", headers={"Origin": ALLOWED_ORIGIN})
    assert got.status_code == 200
    assert not any(h.startswith("access-control-") for h in got.headers)
    preflight = api.options("/api/v1/optimize", headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST"})
    assert not any(h.startswith("access-control-") for h in preflight.headers)


def test_the_open_stack_takes_writes_without_a_key(api: httpx.Client) -> None:
    assert api.post("/api/v1/optimize", json={}).status_code == 422


def test_keys_never_reach_the_log(keyed: httpx.Client, keyed_api_log: tuple[str, Path]) -> None:
    keyed.post("/api/v1/optimize", json={}, headers={"X-API-Key": KEYS["spare"]})
    keyed.post("/api/v1/optimize", json={}, headers={"X-API-Key": "a-wrong-key-9d1e"})
    text = keyed_api_log[1].read_text()
    assert text, "the keyed API wrote no log at all"
    for key in [*KEYS.values(), "a-wrong-key-9d1e"]:
        assert key not in text


# Unit tests: no stack needed.

def test_match_key_finds_the_index_of_the_key_or_none() -> None:
    keys = [SecretStr("alpha-1"), SecretStr("beta-2")]
    assert match_key("alpha-1", keys) == 0
    assert match_key("beta-2", keys) == 1
    for wrong in ["", "alpha-", "alpha-12", "ALPHA-1", "b\u00e9ta-2", "beta-2\x00"]:
        assert match_key(wrong, keys) is None
    assert match_key("alpha-1", []) is None


def test_token_bucket_spends_a_burst_then_refills_evenly() -> None:
    now = [100.0]
    bucket = TokenBucket(per_minute=6, clock=lambda: now[0])
    assert [bucket.take() for _ in range(6)] == [0.0] * 6
    assert bucket.take() == pytest.approx(10.0)  # one token every 10 s
    now[0] += 4
    assert bucket.take() == pytest.approx(6.0)
    now[0] += 6
    assert bucket.take() == 0.0
    now[0] += 3600  # refills to its capacity, no further
    assert [bucket.take() for _ in range(7)][-1] > 0


def test_every_write_operation_is_behind_the_api_key() -> None:
    # The APIKeyHeader scheme reaches an operation's document only through write_access.
    paths = create_app().openapi()["paths"]
    writes = [(method, path, op) for path, ops in paths.items() for method, op in ops.items() if method != "get"]
    assert {(m, p) for m, p, _ in writes} >= {("post", "/api/v1/optimize"), ("post", "/api/v1/slates")}
    for method, path, operation in writes:
        assert {"APIKeyHeader": []} in operation.get("security", []), f"{method.upper()} {path} takes no API key"
        assert {"401", "403", "429"} <= operation["responses"].keys()
