"""The API's doors against the test stack's uvicorn: hosts, HEAD, 415, clipped ids, docs served locally.

The test stack's API runs with the default PITWALL_ALLOWED_HOSTS (the loopback names).
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx
import pytest

pytestmark = pytest.mark.integration

WRITES = ["/api/v1/optimize", "/api/v1/slates"]


def _raw(api_url: str, request: bytes) -> bytes:
    """Send bytes as they are (httpx always sets a Host header) and read the whole answer."""
    parts = urlsplit(api_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# --- allowed hosts


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_loopback_names_are_answered(api: httpx.Client, api_url: str, host: str) -> None:
    port = urlsplit(api_url).port
    assert api.get("/health", headers={"host": f"{host}:{port}"}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example", "10.0.0.1"])
def test_a_foreign_host_gets_400_with_a_json_detail(api: httpx.Client, host: str) -> None:
    for method, path in [("GET", "/health"), ("GET", "/api/v1/jobs"), ("POST", "/api/v1/optimize")]:
        response = api.request(method, path, headers={"host": host}, json={} if method == "POST" else None)
        assert response.status_code == 400, f"{method} {path}: {response.status_code} {response.text}"
        assert response.headers["content-type"] == "application/json"
        assert response.json()["detail"] and host not in response.text


def test_a_request_without_a_host_header_is_refused(api_url: str) -> None:
    answer = _raw(api_url, b"GET /health HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b'"detail"' in answer


# --- HEAD


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_head_answers_like_get_without_a_body(api: httpx.Client, api_url: str, path: str) -> None:
    got = api.get(path)
    head = api.head(path)
    assert head.status_code == got.status_code == 200, got.text
    assert head.headers["content-type"] == "application/json"
    # On the wire, not only as httpx reports it: headers and nothing after them.
    host = urlsplit(api_url).netloc
    answer = _raw(api_url, f"HEAD {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 200 OK"
    assert rest.endswith(b"\r\n\r\n") and rest.count(b"\r\n\r\n") == 1, answer


# --- 415


@pytest.mark.parametrize("path", WRITES)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_non_json_body_gets_415(api: httpx.Client, path: str, content_type: str) -> None:
    response = api.post(path, content=b'{"drivers": []}', headers={"content-type": content_type})
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/json"
    assert "application/json" in response.json()["detail"]


@pytest.mark.parametrize("path", WRITES)
def test_a_body_without_a_content_type_gets_415(api: httpx.Client, path: str) -> None:
    request = api.build_request("POST", path, content=b"{}")  # raw content: httpx sets no Content-Type
    assert "content-type" not in request.headers
    assert api.send(request).status_code == 415


@pytest.mark.parametrize("path", WRITES)
def test_json_with_a_charset_is_json(api: httpx.Client, path: str) -> None:
    response = api.post(path, content=b"{}", headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 422, response.text


# --- ids echoed in errors


@pytest.mark.parametrize("path", ["/api/v1/jobs/{}", "/api/v1/jobs/{}/result", "/api/v1/optimize/{}/status",
                                  "/api/v1/jobs/{}/lineups.csv", "/api/v1/slates/{}"])
def test_a_long_unknown_id_comes_back_cut_to_100_characters(api: httpx.Client, path: str) -> None:
    long_id = "z" * 3000
    response = api.get(path.format(long_id))
    assert response.status_code == 404, response.text
    detail = response.json()["detail"]
    assert long_id[:101] not in detail
    assert "z" * 99 + "…" in detail
    assert len(detail) < 200


def test_a_short_unknown_id_is_echoed_whole(api: httpx.Client) -> None:
    response = api.get("/api/v1/jobs/no-such-run")
    assert response.status_code == 404 and "'no-such-run'" in response.json()["detail"]


# --- docs served by the API itself


def test_the_docs_pages_and_their_assets_come_from_the_api(api: httpx.Client) -> None:
    for path, asset in [("/docs", "/docs-assets/swagger-ui-bundle.js"), ("/redoc", "/docs-assets/redoc.standalone.js")]:
        page = api.get(path)
        assert page.status_code == 200 and asset in page.text
        assert "https://" not in page.text and "http://" not in page.text
    for asset, kind in [("swagger-ui-bundle.js", "javascript"), ("swagger-ui.css", "text/css"),
                        ("redoc.standalone.js", "javascript"), ("favicon.png", "image/png")]:
        served = api.get(f"/docs-assets/{asset}")
        assert served.status_code == 200 and kind in served.headers["content-type"] and len(served.content) > 1000
    assert api.get("/openapi.json").status_code == 200
