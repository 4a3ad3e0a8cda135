"""The Prefect server's middleware that runs a request refused as busy (503) again before the client hears of it."""

from __future__ import annotations

import asyncio

import pytest

from deployments.prefect_server import RetryBusy


def _app(statuses: list[int], seen: list[bytes]):
    """An ASGI app answering with the next of `statuses` and echoing the body it was given."""

    async def app(scope, receive, send):
        message = await receive()
        seen.append(message["body"])
        await send({"type": "http.response.start", "status": statuses.pop(0), "headers": []})
        await send({"type": "http.response.body", "body": message["body"]})

    return app


def _call(app, body_parts: list[bytes], waits=(0.0, 0.0), scope: dict | None = None) -> list[dict]:
    incoming = [{"type": "http.request", "body": part, "more_body": i < len(body_parts) - 1}
                for i, part in enumerate(body_parts)]
    sent: list[dict] = []

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(RetryBusy(app, waits)(scope or {"type": "http"}, receive, send))
    return sent


def test_a_busy_answer_is_tried_again_with_the_whole_body_and_the_client_gets_the_answer_that_came():
    seen: list[bytes] = []
    sent = _call(_app([503, 503, 201], seen), [b'{"name":', b' "run"}'])
    assert seen == [b'{"name": "run"}'] * 3
    assert [m.get("status") for m in sent] == [201, None]
    assert sent[1]["body"] == b'{"name": "run"}'


def test_after_the_last_wait_the_busy_answer_goes_to_the_client():
    seen: list[bytes] = []
    sent = _call(_app([503, 503, 503, 200], seen), [b"x"])
    assert len(seen) == 3 and sent[0]["status"] == 503


def test_other_answers_and_other_scopes_pass_at_once():
    seen: list[bytes] = []
    sent = _call(_app([500], seen), [b"x"])
    assert len(seen) == 1 and sent[0]["status"] == 500

    calls = []

    async def websocket_app(scope, receive, send):
        calls.append(scope["type"])

    asyncio.run(RetryBusy(websocket_app)({"type": "websocket"}, None, None))
    assert calls == ["websocket"]


def test_the_error_raised_after_a_busy_answer_is_sent_is_tried_again_too():
    # Starlette's error middleware sends the handler's 503 and then raises the error again, for the log.
    tries = []

    async def app(scope, receive, send):
        await receive()
        tries.append(1)
        status = 503 if len(tries) < 3 else 201
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        if status == 503:
            raise RuntimeError("database is locked")

    sent = _call(app, [b"x"])
    assert len(tries) == 3 and sent[0]["status"] == 201

    tries.clear()
    with pytest.raises(RuntimeError):
        _call(app, [b"x"], waits=(0.0,))
    assert len(tries) == 2  # the last try's error is the server's to log, as before


def test_each_try_is_routed_afresh_through_a_mounted_app():
    # Prefect's server mounts its API under /api; a mount writes its root path into the scope it is given.
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Mount, Route

    tries = []

    async def labels(request):
        tries.append(request.url.path)
        return JSONResponse({}, status_code=503 if len(tries) < 3 else 204)

    app = Starlette(routes=[Mount("/api", routes=[Route("/flow_runs/{id}/labels", labels, methods=["PATCH"])])])
    scope = {"type": "http", "method": "PATCH", "path": "/api/flow_runs/1/labels", "raw_path": b"/api/flow_runs/1/labels",
             "root_path": "", "query_string": b"", "headers": [], "scheme": "http", "server": ("127.0.0.1", 4200),
             "client": ("127.0.0.1", 5000), "http_version": "1.1", "asgi": {"version": "3.0"}}
    sent = _call(app, [b"{}"], waits=(0.0, 0.0, 0.0), scope=scope)
    assert tries == ["/api/flow_runs/1/labels"] * 3
    assert sent[0]["status"] == 204
