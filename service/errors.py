"""Every failure a client can meet, as a status code and a message: never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pitwall.stores.errors import StoreUnavailable
from service.orchestrator import OrchestratorUnavailable

log = logging.getLogger("pitwall.api")

# Ids a client sent (run ids, slate ids) are echoed in error bodies at most this long.
MAX_ECHOED = 100


def clip(text: str, limit: int = MAX_ECHOED) -> str:
    """`text` cut to at most `limit` characters, the last an ellipsis when anything was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field(loc: tuple) -> str:
    # ("body", "scenario_config", "n_scenarios") reads better as scenario_config.n_scenarios
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _describe(error: dict) -> dict[str, str]:
    if error.get("type") == "json_invalid":
        # loc is ("body", offset): name the body and say where the JSON broke
        offset = error.get("loc", ("body", "?"))[-1]
        reason = (error.get("ctx") or {}).get("error", "invalid JSON")
        return {"field": "body", "message": f"malformed JSON at character {offset}: {reason}"}
    return {"field": _field(tuple(error.get("loc", ()))), "message": error.get("msg", "invalid")}


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [_describe(e) for e in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": "invalid request", "errors": errors})


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail
    if isinstance(detail, str):
        # Whatever a route put in its message, a path parameter comes back clipped (a 404 for a 10 kB "id").
        for value in request.path_params.values():
            if isinstance(value, str) and len(value) > MAX_ECHOED:
                detail = detail.replace(repr(value), repr(clip(value))).replace(value, clip(value))
    return JSONResponse(status_code=exc.status_code, content={"detail": detail}, headers=exc.headers)


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=503, content={"detail": str(exc)})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(status_code=500, content={"detail": "internal error; the server log has the details"})


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(StoreUnavailable, _unavailable)
    app.add_exception_handler(OrchestratorUnavailable, _unavailable)
    app.add_exception_handler(Exception, _unexpected)
