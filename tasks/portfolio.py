"""Solve the portfolio over the scenarios, then judge it on scenarios the solver never saw."""

from __future__ import annotations

from prefect import task

from pitwall.contest import Metrics, PayoutTable
from pitwall.portfolio import Portfolio
from pitwall.request import ContestConfig, PortfolioConfig
from pitwall.run import controls_for, evaluate_portfolio, evaluation_seed, solve_portfolio
from pitwall.simulation import RaceModel, Scenarios, simulate
from pitwall.slate import Slate


def payout_table(contest: ContestConfig) -> PayoutTable:
    return PayoutTable.gpp(entries=contest.entries, entry_fee=contest.entry_fee)


@task(name="solve-portfolio")
def solve(slate: Slate, shards: list[Scenarios], config: PortfolioConfig, contest: ContestConfig, seed: int) -> Portfolio:
    points = Scenarios.concat(shards).points
    return solve_portfolio(points, slate, controls_for(slate, config), payout_table(contest), contest.field, seed)


@task(name="evaluate-portfolio")
def evaluate(slate: Slate, model: RaceModel, portfolio: Portfolio, contest: ContestConfig, seed: int) -> Metrics:
    """Contest metrics on fresh scenarios, drawn from the evaluation seed derived from the run's seed."""
    held_out = evaluation_seed(seed)
    points = simulate(model, contest.evaluation_scenarios, held_out).points
    return evaluate_portfolio(portfolio.lineups, points, slate, payout_table(contest), contest.field, held_out)
