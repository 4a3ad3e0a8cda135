"""The stack's Prefect server: `prefect server start`'s app, with a request its database refused as busy run
again in the server after a short wait, before the client is told to come back.

On SQLite the server answers 503 when a transaction that read and then wrote found another writer ahead of
it (SQLITE_BUSY: SQLite does not wait for the lock in that case, whatever its busy timeout); the
transaction was rolled back, and Prefect's clients send the request again after an exponential back-off
that starts at 2 s. Even a single job at a time met that now and then (the API creating a flow run, the
worker labelling a run, while the server wrote the previous run's events): 2 s more on a 2 s job
(docs/latency.md). The lock is held for milliseconds, so here the same request runs again after 50 ms, then
0.1, 0.2, 0.4 and 0.8 s; only then does the client get the 503 and its own back-off, as before.
Running a refused request again is what the client does anyway. On PostgreSQL the server does not refuse
requests this way and this changes nothing.

    python deployments/prefect_server.py --host 127.0.0.1 --port 4200
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

BUSY = 503
WAITS = (0.05, 0.1, 0.2, 0.4, 0.8)


class RetryBusy:
    """ASGI middleware: an HTTP request the app answers with 503 is run again after each of `waits`; the
    last answer, whatever it is, goes to the client. The request's body is read once and given to each try."""

    def __init__(self, app: App, waits: tuple[float, ...] = WAITS) -> None:
        self.app = app
        self.waits = waits

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # websockets and the lifespan pass as they are
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)

        for wait in (*self.waits, None):
            given, refused = False, False

            async def request() -> Message:
                nonlocal given
                if not given:
                    given = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()  # after the body: the client's disconnect, if it comes

            async def answer(message: Message) -> None:
                nonlocal refused
                if message["type"] == "http.response.start" and message["status"] == BUSY and wait is not None:
                    refused = True
                if not refused:
                    await send(message)

            try:
                # Each try gets the scope as it came: routing writes into it (a mount's root path), and a try on
                # the scope the first one left finds no route (404).
                await self.app(dict(scope), request, answer)
            except Exception:
                # Starlette raises the error again once its handler has sent the 503, for the server's log.
                if not refused:
                    raise
            if not refused:
                return
            await asyncio.sleep(wait)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4200)
    args = parser.parse_args()

    import uvicorn
    from prefect.server.api.server import create_app
    from prefect.settings import (
        PREFECT_SERVER_API_KEEPALIVE_TIMEOUT,
        PREFECT_SERVER_API_WEBSOCKET_PING_INTERVAL,
        PREFECT_SERVER_API_WEBSOCKET_PING_TIMEOUT,
        PREFECT_SERVER_LOGGING_LEVEL,
    )

    # What `prefect server start` runs in the foreground with one worker: the API, the UI and the services.
    uvicorn.run(
        RetryBusy(create_app(final=True)),
        host=args.host,
        port=args.port,
        timeout_keep_alive=PREFECT_SERVER_API_KEEPALIVE_TIMEOUT.value(),
        ws_ping_interval=PREFECT_SERVER_API_WEBSOCKET_PING_INTERVAL.value(),
        ws_ping_timeout=PREFECT_SERVER_API_WEBSOCKET_PING_TIMEOUT.value(),
        log_level=PREFECT_SERVER_LOGGING_LEVEL.value().lower(),
    )


if __name__ == "__main__":
    main()
