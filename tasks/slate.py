"""Load the slate a job runs on: stored in the graph by id, or carried inline by the request."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from pitwall.request import OptimizeRequest
from pitwall.run import check_entries_slate, inline_slate
from pitwall.slate import Slate
from pitwall.stores.graph import UnknownSlate
from tasks.stores import STORE_RETRIES, graph_store


@task(name="load-slate", cache_policy=NO_CACHE, **STORE_RETRIES)
def load_slate(request: OptimizeRequest) -> Slate:
    """The slate, checked against the request's entries file (an inline one was checked at submit)."""
    if request.slate_id is None:
        return inline_slate(request)
    with graph_store() as graph:
        slate = graph.get_slate(request.slate_id)
    if slate is None:
        raise UnknownSlate(request.slate_id)
    check_entries_slate(request, slate)
    return slate
