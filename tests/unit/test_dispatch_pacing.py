"""The dispatcher's pacing, in process: flow runs wait while submissions are being answered, never longer
than the hold, and SubmissionsFirst counts submissions and nothing else.

The creation of a flow run itself is replaced by a recorder here (a subclass's `_dispatch`): what is tested
is when the dispatcher starts it. Creating runs against a real Prefect server is the integration suite's.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from service.dispatch import Dispatcher, SubmissionsFirst


class Recording(Dispatcher):
    def __init__(self, hold_seconds: float) -> None:
        super().__init__(store=None, orchestrator=None, concurrency=2, hold_seconds=hold_seconds)
        self.dispatched: dict[str, float] = {}

    async def _dispatch(self, run_id: str) -> None:
        self.dispatched[run_id] = time.monotonic()


async def _running(dispatcher: Dispatcher, body) -> None:
    worker = asyncio.create_task(dispatcher.run())
    try:
        await body()
    finally:
        worker.cancel()


def test_a_job_waits_for_the_submissions_being_answered() -> None:
    async def body() -> None:
        dispatcher = Recording(hold_seconds=30)

        async def scenario() -> None:
            with dispatcher.submission():
                dispatcher.enqueue("a")
                with dispatcher.submission():
                    await asyncio.sleep(0.1)
                await asyncio.sleep(0.1)
                assert dispatcher.dispatched == {}, "a flow run was created while a submission was being answered"
                answered = time.monotonic()
            await asyncio.sleep(0.05)
            assert dispatcher.dispatched["a"] >= answered

        await _running(dispatcher, scenario)

    asyncio.run(body())


def test_without_submissions_a_job_is_dispatched_at_once() -> None:
    async def body() -> None:
        dispatcher = Recording(hold_seconds=30)

        async def scenario() -> None:
            queued = time.monotonic()
            dispatcher.enqueue("a")
            await asyncio.sleep(0.05)
            assert dispatcher.dispatched["a"] - queued < 0.05

        await _running(dispatcher, scenario)

    asyncio.run(body())


@pytest.mark.parametrize("hold", [0.0, 0.2])
def test_the_hold_bounds_the_wait(hold: float) -> None:
    async def body() -> None:
        dispatcher = Recording(hold_seconds=hold)

        async def scenario() -> None:
            with dispatcher.submission():  # a submission that is never answered in time
                queued = time.monotonic()
                dispatcher.enqueue("a")
                await asyncio.sleep(hold + 0.2)
                waited = dispatcher.dispatched["a"] - queued
                assert hold <= waited < hold + 0.15

        await _running(dispatcher, scenario)

    asyncio.run(body())


def test_only_submissions_are_counted() -> None:
    seen: list[tuple[str, str, int]] = []
    dispatcher = Recording(hold_seconds=30)

    async def endpoint(request: Request) -> PlainTextResponse:
        seen.append((request.method, request.url.path, dispatcher._submissions))
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/api/v1/optimize", endpoint, methods=["GET", "POST"]),
                            Route("/api/v1/slates", endpoint, methods=["POST"])],
                    middleware=[Middleware(SubmissionsFirst)])
    app.state.dispatcher = dispatcher
    with TestClient(app) as client:
        client.post("/api/v1/optimize", json={})
        client.get("/api/v1/optimize")
        client.post("/api/v1/slates", json={})
    assert seen == [("POST", "/api/v1/optimize", 1), ("GET", "/api/v1/optimize", 0), ("POST", "/api/v1/slates", 0)]
    assert dispatcher._submissions == 0 and dispatcher._no_submissions.is_set()
