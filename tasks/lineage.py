"""Write what a run chose into the knowledge graph, so users can ask which drivers their portfolios leaned on."""

from __future__ import annotations

import numpy as np
from prefect import task
from prefect.cache_policies import NO_CACHE

from pitwall.slate import Slate
from tasks.stores import STORE_RETRIES, graph_store


@task(name="record-lineage", cache_policy=NO_CACHE, **STORE_RETRIES)
def record_lineage(run_id: str, slate: Slate, slate_id: str | None, lineups: np.ndarray) -> str:
    """Returns the slate's id; an inline slate is stored first, so its run has a slate to hang from."""
    with graph_store() as graph:
        slate_id = slate_id or graph.save_slate(slate)
        graph.record_run(run_id, slate_id, [tuple(int(i) for i in lineup) for lineup in lineups])
    return slate_id
