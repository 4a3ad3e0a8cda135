"""Tasks over the knowledge graph that are not part of one optimization: seeding, finding upcoming slates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from pitwall.stores.graph import BUNDLED_RESULTS, SeedReport
from tasks.stores import STORE_RETRIES, graph_store


@task(name="seed-results", cache_policy=NO_CACHE, **STORE_RETRIES)
def seed_results(data: str | None, batch_size: int) -> SeedReport:
    """Idempotent (MERGE): a retry after a blip rewrites nothing twice."""
    with graph_store() as graph:
        return graph.seed(Path(data) if data else BUNDLED_RESULTS, batch_size=batch_size, warm=True)


@task(name="upcoming-slates", cache_policy=NO_CACHE, **STORE_RETRIES)
def upcoming_slates(start: dt.date, end: dt.date) -> list[str]:
    with graph_store() as graph:
        return [summary.slate_id for summary in graph.list_slates(date_from=start, date_to=end, limit=500)]
