"""Solve the portfolio over the scenarios, then judge it on scenarios the solver never saw."""

from __future__ import annotations

import numpy as np
from prefect import task

from pitwall.contest import Metrics, PayoutTable, evaluate, sample_field
from pitwall.portfolio import Portfolio, solve
from pitwall.request import ContestConfig, PortfolioConfig
from pitwall.run import controls_for
from pitwall.simulation import RaceModel, Scenarios, simulate
from pitwall.slate import Slate

# Opponent lineups the solver plays against; each stands for an equal share of the contest's other entries.
# A sampled field smaller than the contest under-states how high its best scores reach, which flatters
# win rates, so only the solver uses this approximation: the evaluation plays the whole contest.
SOLVER_FIELD_LINEUPS = 2_000


def payout_table(contest: ContestConfig) -> PayoutTable:
    return PayoutTable.gpp(entries=contest.entries, entry_fee=contest.entry_fee)


@task(name="solve-portfolio")
def solve_portfolio(
    slate: Slate, shards: list[Scenarios], config: PortfolioConfig, contest: ContestConfig, seed: int
) -> Portfolio:
    points = Scenarios.concat(shards).points
    size = min(SOLVER_FIELD_LINEUPS, contest.entries - config.n_lineups)
    field = sample_field(points.mean(axis=0), slate.salaries, size, style=contest.field, seed=seed)
    return solve(points, slate.salaries, controls_for(slate, config), field=field,
                 payout=payout_table(contest), seed=seed)


@task(name="evaluate-portfolio")
def evaluate_portfolio(
    slate: Slate, model: RaceModel, projection: np.ndarray, portfolio: Portfolio, contest: ContestConfig, seed: int
) -> Metrics:
    """Contest metrics on fresh scenarios (their own seed) against a freshly drawn field of every opponent."""
    points = simulate(model, contest.evaluation_scenarios, seed).points
    field = sample_field(projection, slate.salaries, contest.entries - len(portfolio.lineups),
                         style=contest.field, seed=seed)
    return evaluate(portfolio.lineups, points, field, payout_table(contest), scenario_seed=seed)
