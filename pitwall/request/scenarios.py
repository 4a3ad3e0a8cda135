"""The scenarios a request asks for."""

from __future__ import annotations

from pydantic import Field

from pitwall.request.limits import MAX_SCENARIOS
from pitwall.request.validation import Int, StrictModel


class ScenarioConfig(StrictModel):
    """The simulated races the portfolio is solved on."""

    n_scenarios: Int = Field(default=10_000, ge=100, le=MAX_SCENARIOS,
                             description="simulated races to solve on; more is steadier and slower")
    seed: Int = Field(default=7, ge=0, le=2**32 - 1,
                      description="seed of the scenarios: the same request and seed give the same portfolio")
    # Two: both cores of a small machine busy, and each shard is a task run whose states, events and logs
    # cost the Prefect server more than its share of simulating; a Dask cluster's users ask for more.
    shards: Int = Field(default=2, ge=1, le=64,
                        description="pieces the scenarios are generated in, in parallel; the scenarios do not depend "
                        "on it")
