"""The API's doors, in process (no stack): allowed hosts, HEAD, 415 for non-JSON bodies, clipped ids, local docs.

The app is built with settings that point at ports where nothing listens: what is checked here is refused or
answered before any dependency is asked. `testserver`, TestClient's host, is allowed by the settings the
tests construct; the default allows only the loopback names.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from pitwall.settings import Settings
from service.app import DOCS_ASSETS, create_app
from service.errors import clip
from service.limits import AllowedHosts, host_name

NOWHERE = {"redis_url": "redis://127.0.0.1:9/0", "neo4j_uri": "bolt://127.0.0.1:9",
           "prefect_api_url": "http://127.0.0.1:9/api", "redis_retries": 0, "redis_timeout_seconds": 0.2}


def _hosts_app(hosts: list[str]) -> TestClient:
    inner = Starlette(routes=[Route("/", lambda request: PlainTextResponse("in"), methods=["GET", "HEAD"])])
    return TestClient(AllowedHosts(inner, hosts=hosts))


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(allowed_hosts=["testserver"], **NOWHERE))) as c:
        yield c


# --- allowed hosts


def test_the_default_allows_the_loopback_names_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PITWALL_ALLOWED_HOSTS", raising=False)
    assert Settings().allowed_hosts == ["127.0.0.1", "localhost", "::1"]


def test_the_setting_is_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PITWALL_ALLOWED_HOSTS", " api.example.com, *.internal.example ,")
    assert Settings().allowed_hosts == ["api.example.com", "*.internal.example"]


@pytest.mark.parametrize(("header", "name"), [
    ("127.0.0.1:8000", "127.0.0.1"), ("LocalHost", "localhost"), ("[::1]:8000", "::1"), ("[::1]", "::1"),
    ("example.com", "example.com"), ("a:b:c", "a:b:c"),
])
def test_host_name_drops_the_port(header: str, name: str) -> None:
    assert host_name(header) == name


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000"])
def test_loopback_hosts_are_answered(host: str) -> None:
    response = _hosts_app(["127.0.0.1", "localhost", "::1"]).get("/", headers={"host": host})
    assert response.status_code == 200 and response.text == "in"


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.2", "localhost.evil.example", "[::2]:8000", "",
                                  "127.0.0.1.nip.io", "localhost:8000:1"])
def test_other_hosts_get_400_with_a_json_detail(host: str) -> None:
    response = _hosts_app(["127.0.0.1", "localhost", "::1"]).get("/", headers={"host": host})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert "PITWALL_ALLOWED_HOSTS" in response.json()["detail"]
    if host:
        assert host not in response.text


def test_a_star_allows_any_host_and_a_wildcard_its_subdomains() -> None:
    assert _hosts_app(["*"]).get("/", headers={"host": "anything.example"}).status_code == 200
    wild = _hosts_app(["*.example.com"])
    assert wild.get("/", headers={"host": "api.example.com:443"}).status_code == 200
    assert wild.get("/", headers={"host": "example.com"}).status_code == 400
    assert wild.get("/", headers={"host": "evil-example.com"}).status_code == 400


def test_the_api_refuses_a_foreign_host(client: TestClient) -> None:
    refused = client.get("/health", headers={"host": "evil.example"})
    assert refused.status_code == 400 and refused.json()["detail"]
    assert client.post("/api/v1/optimize", json={}, headers={"host": "evil.example"}).status_code == 400
    assert client.get("/health").status_code == 200


def test_testserver_is_not_allowed_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PITWALL_ALLOWED_HOSTS", raising=False)
    plain = TestClient(create_app(Settings(**NOWHERE)))  # no lifespan: the refusal comes before any route
    assert plain.get("/health").status_code == 400


# --- HEAD


def test_head_health_answers_like_get_without_a_body(client: TestClient) -> None:
    got = client.get("/health")
    head = client.head("/health")
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"] == "application/json"


def test_head_ready_has_the_status_of_get(client: TestClient) -> None:
    # Nothing listens where these settings point: not ready, 503, with and without a body.
    head = client.head("/ready")
    assert head.status_code == client.get("/ready").status_code == 503
    assert head.content == b""


def test_head_is_not_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert list(paths["/health"]) == ["get"] and list(paths["/ready"]) == ["get"]


# --- 415


@pytest.mark.parametrize("path", ["/api/v1/optimize", "/api/v1/slates"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          "application/xml", "application/jsonx", None])
def test_a_body_that_is_not_json_gets_415(client: TestClient, path: str, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(path, content=b'{"drivers": []}', headers=headers)
    assert response.status_code == 415, response.text
    assert "application/json" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/v1/optimize", "/api/v1/slates"])
@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"])
def test_json_goes_on_to_validation(client: TestClient, path: str, content_type: str) -> None:
    response = client.post(path, content=b'{"unknown": 1}', headers={"content-type": content_type})
    assert response.status_code == 422, response.text


def test_no_body_and_no_content_type_is_a_validation_error(client: TestClient) -> None:
    assert client.post("/api/v1/slates").status_code == 422


def test_415_is_documented_on_every_write(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ["/api/v1/optimize", "/api/v1/slates"]:
        assert "415" in paths[path]["post"]["responses"]


# --- ids echoed in errors


def test_clip_keeps_short_text_and_cuts_long_text_to_100_characters() -> None:
    assert clip("abc") == "abc"
    assert clip("x" * 100) == "x" * 100
    cut = clip("x" * 101)
    assert len(cut) == 100 and cut.endswith("…")


# --- docs served by the API itself


def test_swagger_ui_and_redoc_load_nothing_from_elsewhere(client: TestClient) -> None:
    for path, asset in [("/docs", "/docs-assets/swagger-ui-bundle.js"), ("/redoc", "/docs-assets/redoc.standalone.js")]:
        page = client.get(path)
        assert page.status_code == 200
        assert asset in page.text
        for outside in ("cdn.jsdelivr.net", "fonts.googleapis.com", "fastapi.tiangolo.com", "unpkg.com", "http://", "https://"):
            assert outside not in page.text, f"{path} loads {outside}"
    for name in ["swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png"]:
        assert (DOCS_ASSETS / name).is_file()
        served = client.get(f"/docs-assets/{name}")
        assert served.status_code == 200 and len(served.content) == (DOCS_ASSETS / name).stat().st_size
    assert "javascript" in client.get("/docs-assets/swagger-ui-bundle.js").headers["content-type"]
