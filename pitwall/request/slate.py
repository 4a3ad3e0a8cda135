"""An inline slate in a request: its drivers and its race, each field by the slate rules of `pitwall.slate`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, model_validator

from pitwall.request.limits import MAX_DRIVERS
from pitwall.request.validation import Int, Refusals, StrictModel, slate_rule
from pitwall.slate import (
    DK_ID_MAX,
    DK_ID_MIN,
    SALARY_MAX,
    SALARY_MIN,
    dk_id_problem,
    race_problem,
    salary_problem,
    start_problem,
)
from pitwall.tracks import TRACK_TYPE_NAMES


class InlineDriver(StrictModel):
    """One driver of an inline slate, as a row of a DraftKings salary CSV with its starting position."""

    name: str = Field(min_length=1, max_length=100, description="the driver, as DraftKings or the results spell him")
    dk_id: Annotated[Int, slate_rule(dk_id_problem)] = Field(
        description=f"DraftKings id, {DK_ID_MIN} … {DK_ID_MAX}; no two drivers share one",
        json_schema_extra={"minimum": DK_ID_MIN, "maximum": DK_ID_MAX},
    )
    salary: Annotated[Int, slate_rule(salary_problem)] = Field(
        description=f"whole dollars, DraftKings' NASCAR range ${SALARY_MIN:,} … ${SALARY_MAX:,}",
        json_schema_extra={"minimum": SALARY_MIN, "maximum": SALARY_MAX},
    )
    start: Annotated[Int, slate_rule(start_problem)] = Field(
        description="starting position, 1 … the number of drivers; no two drivers share one",
        json_schema_extra={"minimum": 1, "maximum": MAX_DRIVERS},
    )


class Race(StrictModel):
    """The race of an inline slate: where, when and how long."""

    track: str = Field(min_length=1, max_length=100, description="the track's name, e.g. Phoenix Raceway")
    date: dt.date = Field(description="race day (YYYY-MM-DD); the model is calibrated on results before it")
    laps: Int = Field(ge=1, le=2_000, description="scheduled laps; laps led over a scenario sum to them")
    track_type: str | None = Field(
        default=None, max_length=30,
        description=f"one of {', '.join(TRACK_TYPE_NAMES)}; needed only for a track pitwall does not know "
        "(an unknown type, or an unknown track without one, is a 422)",
    )
    series: str = Field(default="Cup", max_length=30,
                        description="the series whose results calibrate the race: Cup, O'Reilly or Trucks")

    @model_validator(mode="after")
    def _has_a_track_type(self) -> Race:
        problem = race_problem(self.track, self.date, self.track_type)
        if problem is not None:
            refusals = Refusals()
            field, message = problem
            refusals.add((field,), message, getattr(self, field))
            refusals.raise_any(type(self).__name__)
        return self


# Where `slate_problems`' field names sit in a driver's values.
DRIVER_VALUE = {"name": 0, "dk_id": 1, "salary": 2, "start": 3}
