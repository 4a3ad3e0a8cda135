"""Scenario shards on a Dask cluster give the portfolio the default runner gives.

The flow runs in this process against the test stack's Redis, Neo4j and Prefect server, once on
Prefect's thread pool and once with its shards on a local Dask cluster of two worker processes, for two
jobs holding the same request and seed. The two results must agree lineup for lineup.
"""

from __future__ import annotations

import distributed
import pytest
from distributed.diagnostics.plugin import SchedulerPlugin

from flows.optimize import build
from pitwall.request import OptimizeRequest
from pitwall.settings import get_settings
from pitwall.stores.jobs import JobStore
from tests.conftest import inline_request

pytestmark = pytest.mark.integration


SHARDS = 4


class FinishedTasks(SchedulerPlugin):
    """Which worker finished each task: the scheduler's own account of where the shards ran."""

    def __init__(self) -> None:
        self.finished: dict[str, str] = {}

    def transition(self, key, start, finish, *args, **kwargs) -> None:  # noqa: ANN001
        if finish == "memory":
            self.finished[str(key)] = kwargs.get("worker", "")


def submit_job(store: JobStore, request: dict) -> str:
    """A pending job as the API makes it, without asking the Prefect server for a deployment run."""
    body = OptimizeRequest.model_validate(request).model_dump(mode="json")
    job, created = store.create(body)
    assert created
    return job.run_id


def portfolio(store: JobStore, run_id: str) -> dict:
    result = store.result(run_id)
    assert result is not None, f"job {run_id} has no result: {store.get(run_id)}"
    return {
        "lineups": [(lineup["dk_ids"], lineup["projection"]) for lineup in result["lineups"]],
        "exposures": result["exposures"],
        "metrics": result["metrics"],
    }


def test_shards_on_a_dask_cluster_give_the_same_portfolio() -> None:
    request = inline_request()
    request["scenario_config"] = {"n_scenarios": 4_000, "shards": SHARDS, "seed": 11}
    request["portfolio"] = {"n_lineups": 5}
    store = JobStore.from_settings(get_settings())
    try:
        threads_run = submit_job(store, request)
        build("")(threads_run)

        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, worker_dashboard_address=None,
        ) as cluster:
            plugin = FinishedTasks()
            cluster.scheduler.add_plugin(plugin)
            dask_run = submit_job(store, request)
            flow = build(cluster.scheduler_address)
            assert type(flow.task_runner).__name__ == "DaskTaskRunner"
            flow(dask_run)
            finished = plugin.finished
        # The shards really left this process: the scheduler saw each finish, on both workers.
        shards = {key: worker for key, worker in finished.items() if key.startswith("generate_scenarios")}
        assert len(shards) == SHARDS, finished
        assert len(set(shards.values())) == 2, shards

        assert store.get(threads_run).status == "complete"
        assert store.get(dask_run).status == "complete"
        assert portfolio(store, dask_run) == portfolio(store, threads_run)
    finally:
        store.close()
