"""What the user asks of a portfolio, and the conflicts that make it impossible.

Apart from the solver because its reasons to change are the user's: a new control, a
different rule for counting exposure, a clearer message for a conflict. The checks that
need only the controls run when they are built; those that need the slate's salaries
run in `Controls.check_slate`, before any lineup is enumerated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field as dataclass_field

import numpy as np

from pitwall.request import MAX_LINEUPS, group_label, group_problems
from pitwall.rules import ROSTER_SIZE, SALARY_CAP


class PortfolioError(ValueError):
    """Controls that cannot all hold on this slate; the message names the conflict."""


def _pairs(values: Mapping[int, float] | Iterable[tuple[int, float]] | None) -> tuple[tuple[int, float], ...]:
    items = values.items() if isinstance(values, Mapping) else (values or ())
    return tuple(sorted((int(k), float(v)) for k, v in items))


@dataclass(frozen=True)
class Group:
    """A rule over a set of drivers (indices into the slate's entries) that holds in every lineup: at most
    `most` and/or at least `least` of them."""

    drivers: tuple[int, ...]
    most: int | None = None
    least: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "drivers", tuple(int(d) for d in self.drivers))

    def problems(self) -> list[str]:
        size = len(set(self.drivers))
        problems = []
        if not self.drivers:
            problems.append("it names no driver")
        if size < len(self.drivers):
            problems.append("it names a driver twice")
        if self.most is None and self.least is None:
            problems.append("it needs a max, a min or both")
        for label, k in (("max", self.most), ("min", self.least)):
            if k is not None and not 0 <= k <= min(size, ROSTER_SIZE):
                problems.append(f"{label} {k} is outside 0 … {min(size, ROSTER_SIZE)} (its {size} drivers, a lineup "
                                f"of {ROSTER_SIZE})")
        if self.most is not None and self.least is not None and self.least > self.most:
            problems.append(f"min {self.least} is above max {self.most}")
        return problems

    def allows(self, lineups: np.ndarray, n_drivers: int) -> np.ndarray:
        """Which lineups (rows of driver indices) hold the rule."""
        member = np.zeros(max(n_drivers, max(self.drivers, default=-1) + 1), dtype=np.int8)
        member[list(self.drivers)] = 1
        inside = member[np.asarray(lineups, dtype=np.intp)].sum(axis=1) if len(lineups) else np.zeros(0, np.int64)
        ok = np.ones(len(lineups), dtype=bool)
        if self.most is not None:
            ok &= inside <= self.most
        if self.least is not None:
            ok &= inside >= self.least
        return ok


@dataclass(frozen=True)
class Controls:
    """What the user asks of a portfolio. Drivers are indices into the slate's entries.

    `max_exposure` caps every driver's share of lineups; `driver_max_exposure` and
    `driver_min_exposure` set a driver's own bounds (a driver's own maximum replaces the
    global one). Locked drivers are in every lineup (the global cap does not apply to
    them); `max_overlap` bounds the drivers any two lineups share (None: any, as long as
    lineups differ). Exposure counts are whole lineups: at most floor(max × N), at least
    ceil(min × N). Each of `groups` holds in every lineup (at most / at least k of its drivers).
    """

    n_lineups: int = 20
    max_exposure: float = 1.0
    driver_max_exposure: tuple[tuple[int, float], ...] = ()
    driver_min_exposure: tuple[tuple[int, float], ...] = ()
    max_overlap: int | None = None
    locks: tuple[int, ...] = ()
    excludes: tuple[int, ...] = ()
    min_salary: int = 0
    groups: tuple[Group, ...] = ()
    cap: int = SALARY_CAP
    names: tuple[str, ...] | None = dataclass_field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "driver_max_exposure", _pairs(self.driver_max_exposure))
        object.__setattr__(self, "driver_min_exposure", _pairs(self.driver_min_exposure))
        object.__setattr__(self, "locks", tuple(sorted({int(i) for i in self.locks})))
        object.__setattr__(self, "excludes", tuple(sorted({int(i) for i in self.excludes})))
        object.__setattr__(self, "groups", tuple(self.groups))
        if self.names is not None:
            object.__setattr__(self, "names", tuple(self.names))
        problems = self._problems()
        if problems:
            raise PortfolioError("; ".join(problems))

    def name(self, driver: int) -> str:
        if self.names is not None and 0 <= driver < len(self.names):
            return self.names[driver]
        return f"driver {driver}"

    def describe(self, group: Group) -> str:
        """A group rule in words, with the drivers' names."""
        return group_label([self.name(d) for d in group.drivers], group.most, group.least)

    def _problems(self) -> list[str]:
        problems = []
        n = self.n_lineups
        if not 1 <= n <= MAX_LINEUPS:
            problems.append(f"lineups must be 1–{MAX_LINEUPS}, got {n}")
        if not 0 <= self.max_exposure <= 1:
            problems.append(f"max exposure must be in [0, 1], got {self.max_exposure}")
        for label, pairs in (("max", self.driver_max_exposure), ("min", self.driver_min_exposure)):
            for driver, share in pairs:
                if not 0 <= share <= 1:
                    problems.append(f"{label} exposure of {self.name(driver)} must be in [0, 1], got {share}")
        if self.max_overlap is not None and not 0 <= self.max_overlap <= ROSTER_SIZE - 1:
            problems.append(f"max overlap must be 0–{ROSTER_SIZE - 1}, got {self.max_overlap}")
        if self.min_salary > self.cap:
            problems.append(f"min salary ${self.min_salary:,} is above the ${self.cap:,} cap")
        both = sorted(set(self.locks) & set(self.excludes))
        for driver in both:
            problems.append(f"{self.name(driver)} is both locked and excluded")
        if len(self.locks) > ROSTER_SIZE:
            problems.append(f"{len(self.locks)} locked drivers, a lineup holds {ROSTER_SIZE}")
        if self.max_overlap is not None and len(self.locks) > self.max_overlap and n > 1:
            problems.append(
                f"{len(self.locks)} locked drivers are shared by every two lineups, above max overlap {self.max_overlap}"
            )
        for index, group in enumerate(self.groups):
            found = group.problems() or group_problems(
                set(group.drivers), group.most, group.least, locked=set(self.locks), excluded=set(self.excludes),
                needed={d for d, _ in self.driver_min_exposure if self.min_count(d) > 0},
            )
            problems.extend(f"group {index} ({self.describe(group)}): {problem}" for problem in found)
        if problems:
            return problems
        low = dict(self.driver_min_exposure)
        for driver in sorted(set(low) | set(dict(self.driver_max_exposure)) | set(self.locks) | set(self.excludes)):
            most, least = self.max_count(driver), self.min_count(driver)
            if driver in self.locks and most < n:
                problems.append(f"{self.name(driver)} is locked but its max exposure allows {most} of {n} lineups")
            if driver in self.excludes and least > 0:
                problems.append(f"{self.name(driver)} is excluded but its min exposure needs {least} lineups")
            if least > most:
                problems.append(
                    f"{self.name(driver)}: min exposure needs {least} lineups, max exposure allows {most} of {n}"
                )
        demand = sum(self.min_count(d) for d in low if d not in self.locks) + n * len(self.locks)
        if demand > ROSTER_SIZE * n:
            problems.append(f"min exposures need {demand} driver slots, {n} lineups have {ROSTER_SIZE * n}")
        return problems

    def max_count(self, driver: int) -> int:
        """Most lineups that may hold `driver`."""
        if driver in self.excludes:
            return 0
        own = dict(self.driver_max_exposure).get(driver)
        if own is None and driver in self.locks:
            return self.n_lineups
        share = self.max_exposure if own is None else own
        return int(math.floor(share * self.n_lineups + 1e-9))

    def min_count(self, driver: int) -> int:
        """Fewest lineups that must hold `driver`."""
        if driver in self.locks:
            return self.n_lineups
        share = dict(self.driver_min_exposure).get(driver, 0.0)
        return int(math.ceil(share * self.n_lineups - 1e-9))

    def check_slate(self, salaries: np.ndarray) -> None:
        """Conflicts that depend on the slate: unknown drivers, salaries, exposure room."""
        n_drivers = len(salaries)
        mentioned = (
            set(self.locks)
            | set(self.excludes)
            | {d for d, _ in self.driver_max_exposure}
            | {d for d, _ in self.driver_min_exposure}
            | {d for group in self.groups for d in group.drivers}
        )
        outside = sorted(d for d in mentioned if not 0 <= d < n_drivers)
        if outside:
            raise PortfolioError(f"driver index outside the slate of {n_drivers}: {outside}")
        problems = []
        allowed = [d for d in range(n_drivers) if d not in self.excludes]
        if len(allowed) < ROSTER_SIZE:
            problems.append(f"excludes leave {len(allowed)} drivers, a lineup needs {ROSTER_SIZE}")
        locked = int(salaries[list(self.locks)].sum()) if self.locks else 0
        rest = sorted(int(salaries[d]) for d in allowed if d not in self.locks)
        need = ROSTER_SIZE - len(self.locks)
        if len(rest) >= need:
            cheapest = locked + sum(rest[:need])
            richest = locked + sum(rest[len(rest) - need :]) if need else locked
            if cheapest > self.cap:
                problems.append(
                    f"locks ({', '.join(self.name(d) for d in self.locks) or 'none'}) with the cheapest "
                    f"other drivers cost ${cheapest:,}, over the ${self.cap:,} cap"
                )
            if richest < self.min_salary:
                problems.append(f"min salary ${self.min_salary:,} is above the richest possible lineup ${richest:,}")
        room = sum(min(self.max_count(d), self.n_lineups) for d in allowed)
        if room < ROSTER_SIZE * self.n_lineups:
            problems.append(
                f"max exposure leaves room for {room} driver slots, {self.n_lineups} lineups need "
                f"{ROSTER_SIZE * self.n_lineups}"
            )
        if problems:
            raise PortfolioError("; ".join(problems))
