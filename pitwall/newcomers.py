"""Drivers a slate brings that the history has never seen race in its series, and the prior they race with.

A rookie, a one-off entry, a road-course ringer: none has a result in the slate's series, yet
each must race in the simulation rather than stop the slate. What is known of them at slate
time is the salary DraftKings set (the market's view), the starting position (which the race
model prices for everyone), and their results in the other series where they have any (an
O'Reilly or Truck regular moving up). The prior's mean skill is

    intercept + salary · z(salary on the slate) + other_series · (skill in the other series)
              + other_series_known · (1 if they have other-series results)

with coefficients fitted by `bench/newcomer_prior.py` on every first Cup start of 2020–2023
and checked on 2024 (docs/simulation.md has both figures against an "average driver" prior).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pitwall.slate import normalize_name, similar_names


@dataclass(frozen=True)
class NewcomerPrior:
    """Coefficients of a newcomer's prior mean skill (see the module docstring)."""

    intercept: float
    salary: float
    other_series: float
    other_series_known: float

    @property
    def coefficients(self) -> np.ndarray:
        return np.array([self.intercept, self.salary, self.other_series, self.other_series_known])


# Skill 0 is the fitted field's average driver: what every newcomer raced with before the prior.
AVERAGE_DRIVER = NewcomerPrior(0.0, 0.0, 0.0, 0.0)
# Fitted on the 55 first Cup starts of 2020–2023 (bench/newcomer_prior.py). The salary's weight fits
# to its bound, 0: past races' salaries are modeled from the same other-series form the prior reads
# (`history.pre_race_salaries`), and a true debut's modeled salary is always the bottom one, so the
# bundled data cannot measure what a real DraftKings price adds. It stays an input, at weight 0,
# until data with real salaries measures it.
NEWCOMER_PRIOR = NewcomerPrior(intercept=-0.724, salary=0.0, other_series=2.033, other_series_known=-0.199)


@dataclass(frozen=True)
class Newcomer:
    """A slate driver with no result in the slate's series, and what the prior is built from."""

    driver: str
    reason: str
    # Known names close to this one: a misspelling or a spelling DraftKings uses, worth checking.
    similar: tuple[str, ...] = ()

    def __str__(self) -> str:
        hint = f" (did you mean {', '.join(map(repr, self.similar))}? an alias file maps spellings)" if self.similar else ""
        return f"{self.driver}: {self.reason}{hint}"


def reason(series: str, other_series: Iterable[str]) -> str:
    others = sorted(set(other_series) - {series})
    if others:
        return f"no {series} history: prior from salary, grid and {' and '.join(others)} results"
    return "no results in any series: prior from salary and grid"


def salary_scores(salaries: Sequence[int] | np.ndarray) -> np.ndarray:
    """Salaries as standard scores on their slate: how the market ranks a driver against this field."""
    values = np.asarray(salaries, dtype=np.float64)
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values)


def describe(names: Sequence[str], series: str, series_of: Mapping[str, set[str]], known: Sequence[str] = ()) -> list[Newcomer]:
    """The drivers of `names` with no result in `series`; `series_of` maps a name to the series it
    raced in; a newcomer whose name is close to one of `known` gets those names as a hint."""
    return [
        Newcomer(name, reason(series, series_of.get(name, set())), similar_names(name, known))
        for name in names
        if series not in series_of.get(name, set())
    ]


def spelled_as_known(names: Sequence[str], seen: Iterable[str], known: Iterable[str]) -> list[str]:
    """For the `names` not among `seen` (e.g. a slate's drivers with no result in its series), their
    spelling in `known` (e.g. every driver the graph holds), where there is one."""
    seen_keys = {normalize_name(name) for name in seen}
    wanted = {normalize_name(name) for name in names} - seen_keys
    return sorted(name for name in known if normalize_name(name) in wanted)
