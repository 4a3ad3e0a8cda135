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
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers)


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
