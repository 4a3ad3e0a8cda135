"""The portfolio controls of a request (lineups, exposures, locks, excludes, groups) and the conflicts among
them that need no slate."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field, model_validator

from pitwall.request.limits import MAX_DRIVERS, MAX_GROUPS, MAX_LINEUPS
from pitwall.request.validation import Float, Int, Refusals, StrictModel
from pitwall.rules import ROSTER_SIZE, SALARY_CAP
from pitwall.slate import normalize_name


class GroupRule(StrictModel):
    """At most `max` and/or at least `min` of a set of drivers in every lineup (e.g. one of three teammates)."""

    drivers: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        min_length=1, max_length=MAX_DRIVERS,
        description="the drivers of the group, no one twice; for an inline slate, each a driver of it",
    )
    max: Int | None = Field(default=None, ge=0, le=ROSTER_SIZE,
                            description="most drivers of the group in any lineup, at most the group's size")
    min: Int | None = Field(default=None, ge=0, le=ROSTER_SIZE,
                            description=f"fewest drivers of the group in every lineup, at most the group's size and "
                            f"{ROSTER_SIZE}")

    @model_validator(mode="after")
    def _possible(self) -> GroupRule:
        refusals = Refusals()
        seen: set[str] = set()
        for index, name in enumerate(self.drivers):
            key = normalize_name(name)
            if key in seen:
                refusals.add(("drivers", index), f"{name!r} is in the group twice", name)
            seen.add(key)
        if self.max is None and self.min is None:
            refusals.add((), "a group needs max, min or both", None)
        for field in ("max", "min"):
            k = getattr(self, field)
            if k is not None and k > len(self.drivers):
                refusals.add((field,), f"{field} {k} is more than the group's {len(self.drivers)} drivers", k)
        if self.max is not None and self.min is not None and self.min > self.max:
            refusals.add(("min",), f"min {self.min} is above max {self.max}", self.min)
        refusals.raise_any(type(self).__name__)
        return self

    def describe(self) -> str:
        return group_label(self.drivers, self.max, self.min)


def group_label(names: list[str] | tuple[str, ...], most: int | None, least: int | None) -> str:
    """A group rule in words, as errors name it: 'at most 1 of A, B, C'."""
    bounds = [f"at least {least}" if least is not None else "", f"at most {most}" if most is not None else ""]
    return f"{' and '.join(b for b in bounds if b)} of {', '.join(names)}"


class PortfolioConfig(StrictModel):
    """How many lineups, and the rules every lineup and the portfolio as a whole keep."""

    n_lineups: Int = Field(default=20, ge=1, le=MAX_LINEUPS, description="lineups in the portfolio")
    max_exposure: Float = Field(default=1.0, gt=0, le=1, description="largest share of lineups any driver is in")
    driver_max_exposure: dict[str, Float] = Field(
        default_factory=dict, max_length=MAX_DRIVERS,
        description="driver → largest share of lineups, 0 … 1 (replaces max_exposure for that driver); "
        "for an inline slate, each a driver of it",
    )
    driver_min_exposure: dict[str, Float] = Field(
        default_factory=dict, max_length=MAX_DRIVERS,
        description="driver → smallest share of lineups, 0 … 1; for an inline slate, each a driver of it",
    )
    max_overlap: Int | None = Field(default=None, ge=0, le=5, description="most drivers two lineups may share")
    min_salary: Int = Field(
        default=0, ge=0, le=SALARY_CAP,
        description=f"least salary of a lineup, at most the ${SALARY_CAP:,} cap (and, for an inline slate, at most "
        "its richest lineup)",
    )
    locks: list[str] = Field(
        default_factory=list, max_length=ROSTER_SIZE,
        description=f"drivers in every lineup: at most {ROSTER_SIZE}, none also excluded; for an inline slate, "
        "drivers of it whose salaries leave a lineup under the cap",
    )
    excludes: list[str] = Field(
        default_factory=list, max_length=MAX_DRIVERS,
        description=f"drivers in no lineup; for an inline slate, drivers of it, leaving at least {ROSTER_SIZE}",
    )
    groups: list[GroupRule] = Field(
        default_factory=list, max_length=MAX_GROUPS,
        description="rules over sets of drivers holding in every lineup: `{\"drivers\": [...], \"max\": 1}` (at "
        "most one of them) or `\"min\"` (at least); a min group must leave enough drivers outside the excludes, "
        "and agree with the locks",
    )

    @model_validator(mode="after")
    def _controls_agree(self) -> PortfolioConfig:
        """Conflicts between the controls themselves, whatever the slate (the checks of
        `pitwall.portfolio.Controls` that need no slate, on names)."""
        refusals = Refusals()
        for name, shares in (("driver_max_exposure", self.driver_max_exposure),
                             ("driver_min_exposure", self.driver_min_exposure)):
            for driver, share in shares.items():
                if not 0 <= share <= 1:
                    refusals.add((name, driver), f"{driver}: a share of lineups lies in [0, 1], got {share}", share)
        n = self.n_lineups
        locked = {normalize_name(name): name for name in self.locks}
        highest = {normalize_name(name): share for name, share in self.driver_max_exposure.items()}
        lowest = {normalize_name(name): share for name, share in self.driver_min_exposure.items()}
        for index, name in enumerate(self.excludes):
            key = normalize_name(name)
            if key in locked:
                refusals.add(("excludes", index), f"{name!r} is both locked and excluded", name)
            elif math.ceil(lowest.get(key, 0.0) * n - 1e-9) > 0:
                refusals.add(("excludes", index), f"{name!r} is excluded but driver_min_exposure needs them", name)
        for index, name in enumerate(self.locks):
            key = normalize_name(name)
            if key in highest and math.floor(highest[key] * n + 1e-9) < n:
                refusals.add(("locks", index), f"{name!r} is locked, in every lineup, but driver_max_exposure "
                             f"allows {math.floor(highest[key] * n + 1e-9)} of {n}", name)
        for name, share in self.driver_min_exposure.items():
            key = normalize_name(name)
            most = highest.get(key, self.max_exposure)
            if key not in locked and math.ceil(share * n - 1e-9) > math.floor(most * n + 1e-9):
                refusals.add(("driver_min_exposure", name), f"{name}: min exposure needs "
                             f"{math.ceil(share * n - 1e-9)} lineups, max exposure allows "
                             f"{math.floor(most * n + 1e-9)} of {n}", share)
        demand = sum(math.ceil(share * n - 1e-9) for key, share in lowest.items() if key not in locked) + n * len(locked)
        if demand > ROSTER_SIZE * n:
            refusals.add(("driver_min_exposure",), f"min exposures need {demand} driver slots, {n} lineups have "
                         f"{ROSTER_SIZE * n}", self.driver_min_exposure)
        if self.max_overlap is not None and len(locked) > self.max_overlap and n > 1:
            refusals.add(("locks",), f"{len(locked)} locked drivers are shared by every two lineups, above "
                         f"max_overlap {self.max_overlap}", self.locks)
        excluded = {normalize_name(name) for name in self.excludes}
        for index, group in enumerate(self.groups):
            members = {normalize_name(name) for name in group.drivers}
            for problem in group_problems(members, group.max, group.min, locked=set(locked), excluded=excluded,
                                          needed={key for key, share in lowest.items()
                                                  if math.ceil(share * n - 1e-9) > 0}):
                refusals.add(("groups", index), f"group {index} ({group.describe()}): {problem}", group.drivers)
        refusals.raise_any(type(self).__name__)
        return self


def group_problems(members: set, most: int | None, least: int | None, *, locked: set, excluded: set,
                   needed: set = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Why a group rule cannot hold in any lineup given the locks, excludes and drivers a min exposure needs
    (drivers as names or indices alike): the rule shared by the request and `pitwall.portfolio.Controls`."""
    problems = []
    inside = len(members & locked)
    if most is not None and inside > most:
        problems.append(f"{inside} of its drivers are locked, above its max {most}")
    if most == 0 and members & needed:
        problems.append("max 0 but a min exposure needs one of its drivers")
    if least is not None:
        available = len(members - excluded)
        if available < least:
            problems.append(f"the excludes leave {available} of its drivers, below its min {least}")
        if len(locked - members) + max(least, inside) > ROSTER_SIZE:
            problems.append(f"the {len(locked - members)} locked drivers outside it leave no room for its min "
                            f"{least} in a lineup of {ROSTER_SIZE}")
    return problems
