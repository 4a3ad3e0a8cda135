"""Solve the portfolio over the scenarios and judge it on scenarios the solver never saw."""

from __future__ import annotations

import numpy as np
from prefect import task

from pitwall import run
from pitwall.contest import Metrics
from pitwall.request import ContestConfig, ContestPlan, PortfolioConfig
from pitwall.run import Solution, controls_for, payout_for
from pitwall.simulation import RaceModel, Scenarios
from pitwall.slate import Slate


@task(name="solve-portfolio")
def solve(
    slate: Slate, shards: list[Scenarios], config: PortfolioConfig, contest: ContestConfig, seed: int,
    ownership_csv: str | None = None,
) -> Solution:
    """The solve step (`pitwall.run.solve_slate`) over the shards, under the request's controls and contest,
    against a field fitted to the player's ownership when given."""
    return run.solve_slate(shards, slate, controls_for(slate, config), payout_for(contest), contest.field, seed,
                           ownership_csv=ownership_csv)


@task(name="solve-contest")
def solve_contest(
    slate: Slate, shards: list[Scenarios], config: PortfolioConfig, plan: ContestPlan, seed: int, across: bool,
    total: int, earlier: list[np.ndarray], ownership_csv: str | None = None,
) -> Solution:
    """The solve step for one contest of an entries file (`pitwall.run.solve_entry_contest`): a lineup per
    entry row, with the exposure the `earlier` contests' lineups left when `across`. Cached on its inputs
    like the other steps, so a retry re-solves only the contests not finished."""
    return run.solve_entry_contest(shards, slate, controls_for(slate, config), plan, seed, across=across,
                                   total=total, earlier=earlier, ownership_csv=ownership_csv)


@task(name="evaluate-portfolio")
def evaluate(slate: Slate, model: RaceModel, solution: Solution, contest: ContestConfig, seed: int) -> Metrics:
    """The evaluate step (`pitwall.run.evaluate_lineups`): contest metrics on the contest's evaluation
    scenarios, drawn from the evaluation seed derived from the run's seed, against the solver's kind of field."""
    return run.evaluate_lineups(model, solution.portfolio.lineups, slate, payout_for(contest), solution.field_style,
                                seed, contest.evaluation_scenarios, pull=solution.field_pull)
