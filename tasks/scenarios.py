"""Calibrate the race model from the knowledge graph and generate scenarios in seeded shards."""

from __future__ import annotations

from collections.abc import Sequence

from prefect import task

from pitwall.calibration import calibrate
from pitwall.history import History
from pitwall.newcomers import Newcomer, spelled_as_known
from pitwall.simulation import RaceModel, Scenarios, simulate
from pitwall.slate import Slate
from tasks.stores import STORE_RETRIES, graph_store


class NoHistory(LookupError):
    pass


class UnknownDrivers(LookupError):
    """Drivers without history on a run that asked for strict names."""

    def __init__(self, newcomers: Sequence[Newcomer]) -> None:
        super().__init__("strict_names: no history for " + "; ".join(map(str, newcomers)))


@task(name="calibrate", **STORE_RETRIES)
def calibrate_race(slate: Slate, strict_names: bool = False) -> RaceModel:
    """Fit the model on every result the graph holds from before the slate's date, and nothing later.

    Drivers with no result in the slate's series bring their other-series races (the newcomer
    prior's input); with `strict_names` such drivers fail the run instead.
    """
    with graph_store() as graph:
        rows = graph.results_before(slate.date, series=slate.series)
        if not rows:
            raise NoHistory(f"the knowledge graph holds no {slate.series} results before {slate.date}: run `pitwall seed`")
        seen = {row["driver_name"] for row in rows}
        newcomers = spelled_as_known(slate.names, seen, graph.known_drivers())
        rows += graph.other_series_results(newcomers, slate.date, series=slate.series)
    model = calibrate(History.from_rows(rows), slate)
    if strict_names and model.newcomers:
        raise UnknownDrivers(model.newcomers)
    return model


@task(name="generate-scenarios", task_run_name="scenarios-{shard}-of-{shards}")
def generate_scenarios(model: RaceModel, n_scenarios: int, seed: int, shard: int, shards: int) -> Scenarios:
    """One shard of the scenarios: its rows equal the same rows of an unsharded run, so shards are
    computed anywhere, cached on their own, and an operator's retry reuses the finished ones."""
    return simulate(model, n_scenarios, seed, shard=shard, shards=shards)
