"""Bounds at the door: request bodies over the configured size (refused without reading them into memory),
Host headers the API does not answer to, and bodies that are not JSON on the JSON endpoints."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    def _detail(self) -> str:
        return f"request body larger than {self.max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            body = json.dumps({"detail": self._detail()}).encode()
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        seen = 0

        async def counted() -> Message:
            # A chunked body declares no length: count it as it arrives. The exception handlers turn this into 413.
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise HTTPException(status_code=413, detail=self._detail())
            return message

        await self.app(scope, counted, send)


def _json_refusal(status: int, detail: str) -> tuple[dict, bytes]:
    body = json.dumps({"detail": detail}).encode()
    start = {"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]}
    return start, body


def host_name(header: str) -> str:
    """The name in a Host header, lower case, without its port: `[::1]:8000` → `::1`, `Example.com:80` → `example.com`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    if header.count(":") == 1:
        return header.split(":", 1)[0]
    return header


class AllowedHosts:
    """Answer only requests whose Host header names one of `hosts`; any other gets 400 with a JSON detail.

    What Starlette's TrustedHostMiddleware does, with a JSON body like every other refusal of the API and
    IPv6 literals (`[::1]:8000`) understood. `*` allows any host, `*.example.com` any subdomain of example.com.
    """

    def __init__(self, app: ASGIApp, hosts: list[str]):
        self.app = app
        names = [host_name(h) if h.startswith("[") else h.strip().lower() for h in hosts]
        self.any = "*" in names
        self.exact = {n for n in names if not n.startswith("*")}
        self.suffixes = tuple(n[1:] for n in names if n.startswith("*."))

    def allows(self, header: str | None) -> bool:
        if self.any:
            return True
        if not header:
            return False
        name = host_name(header)
        return name in self.exact or (bool(self.suffixes) and name.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.any:
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers", [])).get(b"host")
        if self.allows(header.decode("latin-1") if header is not None else None):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":  # the API has no websocket routes; refuse the handshake all the same
            await send({"type": "websocket.close", "code": 1008})
            return
        start, body = _json_refusal(400, "invalid Host header: this server answers only the names in PITWALL_ALLOWED_HOSTS")
        await send(start)
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})


async def require_json(request: Request) -> None:
    """Refuse (415) a body whose Content-Type is not application/json, rather than fail to read it as JSON.

    A request with neither a body nor a Content-Type goes on, and its validation names what is missing.
    """
    content_type = request.headers.get("content-type")
    if content_type is None:
        if not await request.body():  # FastAPI has read the body already: this is its cached copy
            return
    elif content_type.split(";", 1)[0].strip().lower() == "application/json":
        return
    shown = "none" if content_type is None else repr(content_type[:100])
    raise HTTPException(status_code=415, detail=f"the body must be JSON, sent with Content-Type: application/json (got {shown})")
