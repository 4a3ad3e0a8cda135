"""Calibrate the race model from the knowledge graph and generate scenarios in seeded shards.

A calibration depends only on the slate (series, track, date, laps, drivers, salaries, grid), `strict_names`,
the history the graph holds and the domain code that fits it, so it is cached under a key of exactly
those (`calibration_key`): every job of a slate after the first loads the model from Prefect's result
storage instead of reading thousands of results from Neo4j and fitting them again. The history enters
the key as its fingerprint (`GraphStore.history_fingerprint`), so seeding new results makes the next
job calibrate afresh.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from pitwall import run
from pitwall.history import History
from pitwall.newcomers import spelled_as_known
from pitwall.run import UnknownDrivers
from pitwall.simulation import RaceModel, Scenarios
from pitwall.slate import Slate
from pitwall.slate_identity import slate_content
from pitwall.source import domain_code
from tasks.stores import STORE_RETRIES, graph_store

__all__ = ["NoHistory", "UnknownDrivers", "apply_projections", "calibrate_race", "calibration_key",
           "generate_scenarios", "history_fingerprint"]


class NoHistory(LookupError):
    pass


def calibration_key(slate: Slate, strict_names: bool, history: dict[str, int], code: str) -> str:
    """The cache key of a calibration: the slate's content, `strict_names`, the history's fingerprint and
    the domain code's digest, and nothing else (not the run, not the seed, not the portfolio's controls)."""
    canonical = json.dumps({"slate": slate_content(slate), "strict_names": bool(strict_names),
                            "history": history, "code": code}, sort_keys=True, separators=(",", ":"))
    return "calibration-" + hashlib.sha256(canonical.encode()).hexdigest()


def _calibration_cache_key(context: Any, parameters: dict[str, Any]) -> str:
    return calibration_key(parameters["slate"], parameters.get("strict_names", False), parameters["history"],
                           domain_code())


@task(name="history-fingerprint", cache_policy=NO_CACHE, **STORE_RETRIES)
def history_fingerprint() -> dict[str, int]:
    """The graph's history fingerprint, read anew by every run: what decides whether a cached calibration
    still holds."""
    with graph_store() as graph:
        return graph.history_fingerprint()


@task(name="calibrate", cache_key_fn=_calibration_cache_key, **STORE_RETRIES)
def calibrate_race(slate: Slate, strict_names: bool, history: dict[str, int]) -> RaceModel:
    """The calibrate step (`pitwall.run.calibrate_race`) on every result the graph holds from before the
    slate's date, and nothing later; answered from the cache when a run of the same slate has calibrated
    it on the same `history` (the fingerprint, used only by the cache key).

    Drivers with no result in the slate's series bring their other-series races (the newcomer
    prior's input); with `strict_names` such drivers fail the run instead.
    """
    with graph_store() as graph:
        races = graph.races_before(slate.date, series=slate.series)
        if not races:
            raise NoHistory(f"the knowledge graph holds no {slate.series} results before {slate.date}: run `pitwall seed`")
        seen = {name for race in races for name in race["driver_name"]}
        newcomers = spelled_as_known(slate.names, seen, graph.known_drivers())
        races += graph.other_series_races(newcomers, slate.date, series=slate.series)
    return run.calibrate_race(History.from_races(races), slate, strict_names=strict_names)


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
