"""Calibrate the race model from the knowledge graph and generate scenarios in seeded shards."""

from __future__ import annotations

from prefect import task

from pitwall import run
from pitwall.history import History
from pitwall.newcomers import spelled_as_known
from pitwall.run import UnknownDrivers
from pitwall.simulation import RaceModel, Scenarios
from pitwall.slate import Slate
from tasks.stores import STORE_RETRIES, graph_store

__all__ = ["NoHistory", "UnknownDrivers", "apply_projections", "calibrate_race", "generate_scenarios"]


class NoHistory(LookupError):
    pass


@task(name="calibrate", **STORE_RETRIES)
def calibrate_race(slate: Slate, strict_names: bool = False) -> RaceModel:
    """The calibrate step (`pitwall.run.calibrate_race`) on every result the graph holds from before the
    slate's date, and nothing later.

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
    return run.calibrate_race(History.from_rows(rows), slate, strict_names=strict_names)


@task(name="apply-projections")
def apply_projections(
    model: RaceModel, slate: Slate, projections_csv: str | None, n_scenarios: int, seed: int
) -> tuple[RaceModel, tuple[str, ...]]:
    """The projections step (`pitwall.run.apply_projections`): the player's projections, if any, met by the
    model's mean points over the solving scenarios."""
    return run.apply_projections(model, slate, projections_csv, n_scenarios, seed)


@task(name="generate-scenarios", task_run_name="scenarios-{shard}-of-{shards}")
def generate_scenarios(model: RaceModel, n_scenarios: int, seed: int, shard: int, shards: int) -> Scenarios:
    """The simulate step (`pitwall.run.simulate_shard`) for one shard: computed anywhere, cached on its
    own, so an operator's retry reuses the finished ones."""
    return run.simulate_shard(model, n_scenarios, seed, shard, shards)
