"""Calibrate the race model from the knowledge graph and generate scenarios in seeded shards."""

from __future__ import annotations

from prefect import task

from pitwall.calibration import calibrate
from pitwall.history import History
from pitwall.simulation import RaceModel, Scenarios, simulate
from pitwall.slate import Slate
from tasks.stores import STORE_RETRIES, graph_store


class NoHistory(LookupError):
    pass


@task(name="calibrate", **STORE_RETRIES)
def calibrate_race(slate: Slate) -> RaceModel:
    """Fit the model on every result the graph holds from before the slate's date, and nothing later."""
    with graph_store() as graph:
        rows = graph.results_before(slate.date, series=slate.series)
    if not rows:
        raise NoHistory(f"the knowledge graph holds no {slate.series} results before {slate.date}: run `pitwall seed`")
    return calibrate(History.from_rows(rows), slate)


@task(name="generate-scenarios", task_run_name="scenarios-{shard}-of-{shards}")
def generate_scenarios(model: RaceModel, n_scenarios: int, seed: int, shard: int, shards: int) -> Scenarios:
    """One shard of the scenarios: its rows equal the same rows of an unsharded run, so shards are
    computed anywhere, cached on their own, and an operator's retry reuses the finished ones."""
    return simulate(model, n_scenarios, seed, shard=shard, shards=shards)
