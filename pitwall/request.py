"""What a user asks pitwall to optimize: a slate (stored, or inline), scenario and portfolio settings.

Validated once at the edge; the job record keeps the validated form, and the flow reads it from there.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pitwall.slate import read_aliases

# The limits of a request, defined here only: whatever enforces them (the solver, too) imports them.
MAX_DRIVERS = 80
MAX_SCENARIOS = 100_000
MAX_LINEUPS = 150


class _Strict(BaseModel):
    # Unknown fields are refused: a typo in a control must not be silently ignored.
    model_config = ConfigDict(extra="forbid")


class InlineDriver(_Strict):
    name: str = Field(min_length=1, max_length=100)
    dk_id: int = Field(ge=1)
    salary: int = Field(ge=1_000, le=20_000)
    start: int = Field(ge=1, le=MAX_DRIVERS)


class Race(_Strict):
    track: str = Field(min_length=1, max_length=100)
    date: dt.date
    laps: int = Field(ge=1, le=2_000)
    track_type: str | None = Field(default=None, max_length=30)
    series: str = Field(default="Cup", max_length=30)


class ScenarioConfig(_Strict):
    n_scenarios: int = Field(default=10_000, ge=100, le=MAX_SCENARIOS)
    seed: int = Field(default=7, ge=0, le=2**32 - 1)
    shards: int = Field(default=4, ge=1, le=64)


class PortfolioConfig(_Strict):
    n_lineups: int = Field(default=20, ge=1, le=MAX_LINEUPS)
    max_exposure: float = Field(default=1.0, gt=0, le=1)
    driver_max_exposure: dict[str, float] = Field(default_factory=dict, max_length=MAX_DRIVERS)
    driver_min_exposure: dict[str, float] = Field(default_factory=dict, max_length=MAX_DRIVERS)
    max_overlap: int | None = Field(default=None, ge=0, le=5, description="most drivers two lineups may share")
    min_salary: int = Field(default=0, ge=0, le=50_000)
    locks: list[str] = Field(default_factory=list, max_length=6)
    excludes: list[str] = Field(default_factory=list, max_length=MAX_DRIVERS)

    @model_validator(mode="after")
    def _exposures_are_shares(self) -> PortfolioConfig:
        for name, shares in (("driver_max_exposure", self.driver_max_exposure),
                             ("driver_min_exposure", self.driver_min_exposure)):
            bad = [driver for driver, share in shares.items() if not 0 <= share <= 1]
            if bad:
                raise ValueError(f"{name}: shares must lie in [0, 1], not for {', '.join(bad)}")
        return self


class ContestConfig(_Strict):
    entries: int = Field(default=10_000, ge=200, le=100_000)
    entry_fee: float = Field(default=20.0, gt=0, le=10_000)
    field: Literal["sharp", "weak"] = "sharp"
    evaluation_scenarios: int = Field(default=5_000, ge=100, le=MAX_SCENARIOS)


class OptimizeRequest(_Strict):
    slate_id: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    race: Race | None = None
    drivers: list[InlineDriver] = Field(default_factory=list, max_length=MAX_DRIVERS)
    scenario_config: ScenarioConfig = Field(default_factory=ScenarioConfig)
    portfolio: PortfolioConfig = Field(default_factory=PortfolioConfig)
    contest: ContestConfig = Field(default_factory=ContestConfig)
    strict_names: bool = Field(
        default=False,
        description="fail the run when a driver has no result in the slate's series, instead of racing them with "
        "the newcomer prior",
    )
    aliases_csv: str | None = Field(
        default=None,
        max_length=50_000,
        description="for inline drivers: CSV with columns Name (as the results spell a driver) and Alias (the "
        "spelling used in `drivers`)",
    )

    @model_validator(mode="after")
    def _one_slate(self) -> OptimizeRequest:
        if self.slate_id is None and not self.drivers:
            raise ValueError("give either slate_id (a stored slate) or drivers with race (an inline slate)")
        if self.drivers and self.slate_id is not None:
            raise ValueError("give slate_id or inline drivers, not both")
        if self.drivers and self.race is None:
            raise ValueError("inline drivers need race (track, date, laps)")
        if self.drivers and len(self.drivers) < 6:
            raise ValueError("an inline slate needs at least 6 drivers")
        if self.aliases_csv is not None:
            if not self.drivers:
                raise ValueError("aliases_csv applies to inline drivers; a stored slate took its aliases at upload")
            read_aliases(self.aliases_csv)  # a malformed file is refused here, not in the run
        return self
