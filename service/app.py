"""pitwall's REST façade: takes submissions, triggers the Prefect deployment, reports jobs and readiness.

It never computes a portfolio itself; the flow does, and the API reads what the flow stored in Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

import pitwall
from pitwall.settings import Settings, get_settings
from pitwall.stores.errors import StoreUnavailable
from pitwall.stores.graph import GraphStore
from pitwall.stores.jobs import JobStore
from service import errors
from service.limits import AllowedHosts, BodySizeLimit
from service.orchestrator import Orchestrator
from service.dispatch import Dispatcher, SubmissionsFirst
from service.reconcile import Reconciler
from service.routes import exposures, health, jobs, slates
from service.security import API_KEY_HEADER, WriteGuard

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


async def _ensure_schema(graph: GraphStore) -> None:
    try:
        await to_thread.run_sync(graph.ensure_schema)
    except StoreUnavailable as exc:
        logging.getLogger("pitwall.api").warning("graph schema not checked at start-up: %s", exc)


# Swagger UI and ReDoc come with the pinned `fastapi-offline` package (its static folder: swagger-ui-bundle.js,
# swagger-ui.css, redoc.standalone.js, favicon.png) and are served by the API itself: the docs load nothing
# from a CDN or from Google Fonts. Only the files are used, not the package's FastAPI subclass.
DOCS_ASSETS = Path(importlib.util.find_spec("fastapi_offline").submodule_search_locations[0]) / "static"
DOCS_ASSETS_URL = "/docs-assets"


def _serve_docs(app: FastAPI) -> None:
    assets = StaticFiles(directory=DOCS_ASSETS)
    app.mount(DOCS_ASSETS_URL, assets, name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{DOCS_ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png", with_google_fonts=False,
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.started = time.monotonic()
        # Building clients connects to nothing: the API starts, and says it is not ready, with any dependency down.
        app.state.jobs = JobStore.from_settings(settings)
        app.state.graph = GraphStore.from_settings(settings)
        async with Orchestrator.from_settings(settings) as orchestrator:
            app.state.orchestrator = orchestrator
            # Constraints and indexes are created idempotently at start-up; Neo4j may still be down, so not awaited.
            schema = asyncio.create_task(_ensure_schema(app.state.graph))
            app.state.dispatcher = Dispatcher(
                app.state.jobs, orchestrator, concurrency=settings.dispatch_concurrency,
                hold_seconds=settings.dispatch_hold_seconds,
            )
            app.state.reconciler = Reconciler(app.state.jobs, orchestrator, settings.reconcile_after_seconds)
            dispatching = asyncio.create_task(app.state.dispatcher.run())
            sweeper = asyncio.create_task(
                app.state.reconciler.sweep_forever(app.state.dispatcher, settings.reconcile_interval_seconds)
            )
            try:
                yield
            finally:
                sweeper.cancel()
                dispatching.cancel()
                schema.cancel()
                app.state.jobs.close()
                app.state.graph.close()

    app = FastAPI(
        title="pitwall",
        version=pitwall.__version__,
        description="Tournament portfolios of NASCAR DraftKings lineups, optimized over simulated races.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    _serve_docs(app)
    app.state.guard = WriteGuard(settings.api_keys, settings.rate_limit_per_minute)
    app.add_middleware(SubmissionsFirst)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    # Outside the body limit: a request for a host this API does not answer to is refused before anything else.
    app.add_middleware(AllowedHosts, hosts=settings.allowed_hosts)
    if settings.cors_origins:
        # Added last, so outermost: refusals such as 413 carry the CORS headers a browser needs to read them.
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", API_KEY_HEADER, "Idempotency-Key"],
        )
    errors.install(app)
    app.include_router(health.router)
    app.include_router(jobs.router)
    app.include_router(slates.router)
    app.include_router(exposures.router)
    return app


app = create_app()
