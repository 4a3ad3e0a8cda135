"""Liveness and readiness: is the process up, and can it do its work right now."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any, Awaitable, Callable

from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

import pitwall
from pitwall.settings import Settings
from pitwall.stores.graph import GraphStore
from pitwall.stores.jobs import JobStore
from service.deps import get_graph, get_jobs, get_orchestrator, get_settings
from service.orchestrator import Orchestrator
from service.schemas import Dependency, Health, Readiness

router = APIRouter(tags=["health"])


# HEAD answers as GET does, status and headers, without the body (the server drops it); kept out of the
# OpenAPI document, where only GET is described.
@router.get("/health", response_model=Health)
@router.head("/health", response_model=Health, include_in_schema=False)
async def health(request: Request) -> Health:
    """Liveness: 200 while the process runs, with its version and uptime. It checks no dependency."""
    return Health(
        status="ok",
        timestamp=datetime.now(UTC),
        version=pitwall.__version__,
        uptime_seconds=round(time.monotonic() - request.app.state.started, 3),
    )


async def _check(probe: Callable[[], Awaitable[Any]], timeout: float) -> Dependency:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(probe(), timeout)
        error = None
    except asyncio.TimeoutError:
        error = f"no answer within {timeout:g} s"
    except Exception as exc:  # any failure of a dependency is its state, not ours
        error = f"{type(exc).__name__}: {exc}"[:300]
    latency = round((time.perf_counter() - started) * 1000, 1)
    return Dependency(status="down" if error else "up", latency_ms=latency, error=error)


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
@router.head("/ready", include_in_schema=False)
async def ready(
    settings: Settings = Depends(get_settings),
    jobs: JobStore = Depends(get_jobs),
    graph: GraphStore = Depends(get_graph),
    orchestrator: Orchestrator = Depends(get_orchestrator),
) -> JSONResponse:
    """Readiness: 200 when the Prefect server (answering, and taking the API's credentials), Redis and Neo4j
    each answer within 3 s; else 503 with each one's state and error."""
    timeout = settings.ready_timeout_seconds
    prefect, redis, neo4j = await asyncio.gather(
        _check(lambda: orchestrator.ready(timeout), timeout),
        _check(lambda: to_thread.run_sync(jobs.ping, abandon_on_cancel=True), timeout),
        _check(lambda: to_thread.run_sync(graph.ping, abandon_on_cancel=True), timeout),
    )
    body = Readiness(status="ready", dependencies={"prefect": prefect, "redis": redis, "neo4j": neo4j})
    if any(d.status != "up" for d in body.dependencies.values()):
        body.status = "not ready"
        return JSONResponse(status_code=503, content=body.model_dump(mode="json"))
    return JSONResponse(status_code=200, content=body.model_dump(mode="json"))
