"""The portfolio solver: valid lineups, controls honoured, conflicts named, determinism."""

import itertools

import numpy as np
import pytest

from pitwall.contest import PayoutTable, evaluate, sample_field
from scipy.special import ndtr

from pitwall.portfolio import (
    GRID_BINS,
    TAIL_MIN,
    Controls,
    PortfolioError,
    enumerate_lineups,
    solve,
)
from pitwall.portfolio.arena import _Arena, _cells, _lerp
from pitwall.portfolio.enumeration import _sums
from pitwall.portfolio.selection import _Selection
from pitwall.rules import ROSTER_SIZE, SALARY_CAP, dk_points

N_DRIVERS = 16
PAYOUT = PayoutTable.gpp(1_000, 10.0)


def _scenarios(n_drivers=N_DRIVERS, n_scenarios=1_500, seed=0):
    """A stand-in race simulator: a joint finishing order by strength plus Gumbel noise,
    laps led to the front runners; enough to give the solver real DK points."""
    rng = np.random.default_rng(seed)
    strength = np.sort(rng.normal(0, 1, n_drivers))[::-1]
    start = rng.permutation(n_drivers) + 1
    order = np.argsort(-(strength + rng.gumbel(size=(n_scenarios, n_drivers))), axis=1)
    finish = np.empty_like(order)
    np.put_along_axis(finish, order, np.arange(1, n_drivers + 1), axis=1)
    share = np.exp(-finish / 2.0) * rng.gamma(0.7, size=finish.shape)
    led = np.floor(200 * share / share.sum(axis=1, keepdims=True))
    points = np.asarray(dk_points(start, finish, led, np.floor(led * 0.6)), dtype=np.float32)
    span = strength - strength.min()
    salaries = (np.round((5_000 + 6_000 * span / span.max()) / 100) * 100).astype(np.int64)
    return points, salaries


POINTS, SALARIES = _scenarios()


def _check_lineups(lineups, controls, salaries=SALARIES):
    lineups = np.asarray(lineups)
    assert lineups.shape == (controls.n_lineups, ROSTER_SIZE)
    assert all(len(set(row)) == ROSTER_SIZE for row in lineups.tolist()), "a lineup repeats a driver"
    assert len({tuple(sorted(row)) for row in lineups.tolist()}) == len(lineups), "duplicate lineups"
    spend = salaries[lineups].sum(axis=1)
    assert spend.max() <= SALARY_CAP
    assert spend.min() >= controls.min_salary
    counts = np.bincount(lineups.ravel(), minlength=len(salaries))
    for driver in range(len(salaries)):
        assert counts[driver] <= controls.max_count(driver), f"driver {driver} over its max exposure"
        assert counts[driver] >= controls.min_count(driver), f"driver {driver} under its min exposure"
    if controls.max_overlap is not None:
        shared = [len(set(a) & set(b)) for a, b in itertools.combinations(lineups.tolist(), 2)]
        assert max(shared, default=0) <= controls.max_overlap
    return counts


# -- controls --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "conflict"),
    [
        ({"n_lineups": 0}, "lineups must be 1–150"),
        ({"n_lineups": 151}, "lineups must be 1–150"),
        ({"locks": [3], "excludes": [3]}, "Driver D is both locked and excluded"),
        ({"driver_min_exposure": {2: 0.6}, "driver_max_exposure": {2: 0.4}}, "Driver C: min exposure needs 6"),
        ({"locks": [1, 2], "max_overlap": 1}, "2 locked drivers are shared by every two lineups"),
        ({"locks": [0, 1, 2, 3, 4, 5, 6]}, "7 locked drivers"),
        ({"locks": [4], "driver_max_exposure": {4: 0.5}}, "Driver E is locked but its max exposure allows 5 of 10"),
        ({"excludes": [4], "driver_min_exposure": {4: 0.2}}, "Driver E is excluded but its min exposure needs 2"),
        ({"driver_min_exposure": {d: 0.9 for d in range(7)}}, "min exposures need 63 driver slots"),
        ({"max_exposure": 1.5}, "max exposure must be in [0, 1]"),
        ({"min_salary": 60_000}, "above the $50,000 cap"),
    ],
)
def test_conflicting_controls_are_errors_naming_the_conflict(kwargs, conflict):
    names = tuple(f"Driver {chr(65 + i)}" for i in range(N_DRIVERS))
    with pytest.raises(PortfolioError) as error:
        Controls(**{"n_lineups": 10, "names": names, **kwargs})
    assert conflict in str(error.value)


@pytest.mark.parametrize(
    ("kwargs", "conflict"),
    [
        ({"max_exposure": 0.1}, "max exposure leaves room for 16 driver slots, 10 lineups need 60"),
        ({"excludes": list(range(11))}, "excludes leave 5 drivers"),
        ({"min_salary": 45_000, "excludes": list(range(9))}, "min salary $45,000 is above the richest possible lineup $44,700"),
        ({"min_salary": 50_000, "locks": [0, 15], "n_lineups": 20}, "only 12 distinct lineups fit the cap, min salary, locks and excludes; 20 requested"),
        ({"driver_min_exposure": {40: 0.5}}, "driver index outside the slate"),
    ],
)
def test_controls_that_do_not_fit_the_slate_are_errors(kwargs, conflict):
    controls = Controls(**{"n_lineups": 10, **kwargs})
    with pytest.raises(PortfolioError) as error:
        solve(POINTS, SALARIES, controls, payout=PAYOUT, seed=1)
    assert conflict in str(error.value)


def test_locks_too_dear_for_the_cap_are_an_error():
    salaries = SALARIES.copy()
    salaries[:3] = 15_000
    with pytest.raises(PortfolioError, match="over the \\$50,000 cap"):
        solve(POINTS, salaries, Controls(n_lineups=2, locks=[0, 1, 2]), payout=PAYOUT, seed=1)


def test_controls_that_run_dry_while_building_are_an_error_not_a_short_portfolio():
    # Lineups sharing no driver: 16 drivers make at most two.
    with pytest.raises(PortfolioError, match="allow only 2 of 3 lineups; max overlap 0"):
        solve(POINTS, SALARIES, Controls(n_lineups=3, max_overlap=0), payout=PAYOUT, seed=1)


# -- enumeration -----------------------------------------------------------------------


def test_enumeration_is_every_lineup_within_the_controls():
    controls = Controls(n_lineups=5, locks=[2], excludes=[7], min_salary=45_000)
    found = {tuple(sorted(row)) for row in enumerate_lineups(SALARIES, controls).tolist()}
    expected = {
        combo
        for combo in itertools.combinations(range(N_DRIVERS), ROSTER_SIZE)
        if 2 in combo and 7 not in combo and 45_000 <= SALARIES[list(combo)].sum() <= SALARY_CAP
    }
    assert found == expected
    assert len(expected) > 100


# -- the solver's arithmetic -----------------------------------------------------------


def test_lineup_sums_add_each_drivers_value():
    lineups = enumerate_lineups(SALARIES, Controls(n_lineups=1))[:50]
    values = np.arange(N_DRIVERS, dtype=np.float64) ** 1.5
    assert np.allclose(_sums(values, lineups), values[lineups.astype(np.intp)].sum(axis=1))


def test_grid_lookup_interpolates_within_each_scenarios_row():
    table = np.arange(12, dtype=np.float32).reshape(3, 4) ** 2  # 3 scenarios, 4 edges
    scenarios = np.array([0, 1, 2, 2])
    position = np.array([0.0, 1.5, 2.25, 3.0], dtype=np.float32)
    cell, frac = _cells(scenarios, position, 4)
    assert cell.tolist() == [0, 5, 10, 10]  # the last edge is reached from the cell below it
    assert np.allclose(frac, [0.0, 0.5, 0.25, 1.0])
    expected = [0.0, (25 + 36) / 2, 100 + 0.25 * (121 - 100), 121.0]
    assert np.allclose(_lerp(table.ravel(), cell, frac), expected)
    assert table[2, 3] == 121.0  # interpolating in place leaves the table alone


def test_prize_interpolates_between_places_and_leaves_its_argument_alone():
    field = sample_field(POINTS.mean(axis=0), SALARIES, 300, style="sharp", seed=3)
    arena = _Arena(POINTS, field, PAYOUT, 10)
    prizes = np.asarray(PAYOUT.prizes)
    place = np.array([0.0, 0.5, 2.0, PAYOUT.paid_places + 3.0], dtype=np.float32)
    expected = [prizes[0], (prizes[0] + prizes[1]) / 2, prizes[2], 0.0]
    assert np.allclose(arena.prize(place), expected, rtol=1e-6)
    assert place.tolist() == [0.0, 0.5, 2.0, PAYOUT.paid_places + 3.0]


def test_screen_is_the_normal_approximation_of_each_lineups_margins():
    """Mean, variance and covariance with the lines, summed from per-driver tables,
    equal those of the lineups' scores over the scenarios."""
    field = sample_field(POINTS.mean(axis=0), SALARIES, 300, style="sharp", seed=3)
    arena = _Arena(POINTS, field, PAYOUT, 10)
    lineups = enumerate_lineups(SALARIES, Controls(n_lineups=1))[::97]
    scores = POINTS.astype(np.float64)[:, lineups.astype(np.intp)].sum(axis=2)  # scenarios × lineups
    expected = np.zeros(len(lineups))
    for worth, line in arena.lines:
        margin = scores - line[:, None]
        expected += worth * ndtr(margin.mean(axis=0) / margin.std(axis=0))
    assert np.allclose(arena.screen(lineups), expected, rtol=1e-6, atol=1e-9)


# -- solving ---------------------------------------------------------------------------


def test_portfolio_honours_every_control():
    controls = Controls(
        n_lineups=12,
        max_exposure=0.6,
        driver_max_exposure={0: 0.25},
        driver_min_exposure={15: 0.5},
        max_overlap=4,
        locks=[3],
        excludes=[1],
        min_salary=46_000,
    )
    portfolio = solve(POINTS, SALARIES, controls, payout=PAYOUT, seed=5)
    counts = _check_lineups(portfolio.lineups, controls)
    assert counts[3] == 12
    assert counts[1] == 0
    assert counts[0] <= 3
    assert counts[15] >= 6


def test_a_max_exposure_below_one_lineup_keeps_the_driver_out_of_the_first_lineup_too():
    # The best two drivers, whom an unconstrained portfolio leads with, allowed in no lineup.
    free = solve(POINTS, SALARIES, Controls(n_lineups=3), payout=PAYOUT, seed=5)
    assert {0, 1} & set(free.lineups[0].tolist())
    controls = Controls(n_lineups=3, driver_max_exposure={0: 0.0, 1: 0.2})
    counts = _check_lineups(solve(POINTS, SALARIES, controls, payout=PAYOUT, seed=5).lineups, controls)
    assert counts[0] == 0 and counts[1] == 0


def test_same_seed_same_portfolio_and_the_seed_matters():
    controls = Controls(n_lineups=8, max_exposure=0.75, max_overlap=4)
    first = solve(POINTS, SALARIES, controls, payout=PAYOUT, seed=3)
    again = solve(POINTS, SALARIES, controls, payout=PAYOUT, seed=3)
    assert np.array_equal(first.lineups, again.lineups)
    assert first.expected_payout == again.expected_payout


def test_single_lineup_and_full_portfolio_sizes():
    one = solve(POINTS, SALARIES, Controls(n_lineups=1), payout=PAYOUT, seed=1)
    _check_lineups(one.lineups, Controls(n_lineups=1))
    many = Controls(n_lineups=150, max_exposure=0.8)
    _check_lineups(solve(POINTS, SALARIES, many, payout=PAYOUT, seed=1).lineups, many)


def test_solver_estimate_matches_an_exact_evaluation_on_its_own_scenarios():
    """The solver's grid and interpolation are approximations of the exact contest.
    (A field of every opponent, so no tail is fitted above the sample's best.)"""
    field = sample_field(POINTS.mean(axis=0), SALARIES, PAYOUT.entries - 10, style="sharp", seed=2)
    controls = Controls(n_lineups=10, max_overlap=4)
    portfolio = solve(POINTS, SALARIES, controls, field=field, payout=PAYOUT, seed=2)
    exact = evaluate(portfolio.lineups, POINTS, field, PAYOUT)
    assert portfolio.expected_roi == pytest.approx(exact.roi, abs=0.05 + 0.05 * abs(exact.roi))


def test_leaving_candidates_stale_by_their_bound_does_not_change_the_portfolio(monkeypatch):
    """A candidate's payout against the field alone caps its gain, so skipping the
    updates of those far below the picks gives the portfolio of updating every one."""
    controls = Controls(n_lineups=30, max_exposure=0.6, max_overlap=4)
    lazy = solve(POINTS, SALARIES, controls, payout=PAYOUT, seed=4)
    monkeypatch.setattr("pitwall.portfolio.selection.LAZY_SLACK", 1e9)  # nothing ever set aside
    eager = solve(POINTS, SALARIES, controls, payout=PAYOUT, seed=4)
    assert lazy.lineups.tolist() == eager.lineups.tolist()
    assert np.allclose(lazy.marginal_payout, eager.marginal_payout, rtol=1e-6)


def test_threads_do_not_change_the_portfolio(monkeypatch):
    # Small chunks, so the screen and the pool are each split over threads here.
    monkeypatch.setattr("pitwall.portfolio.arena.SCREEN_CHUNK", 700)
    monkeypatch.setattr("pitwall.portfolio.selection.POOL_CHUNK", 150)
    controls = Controls(n_lineups=12, max_overlap=4, max_exposure=0.6)
    # THREADS is read where the screen sizes its chunks and where chunks go to threads.
    monkeypatch.setattr("pitwall.portfolio.arena.THREADS", 3)
    monkeypatch.setattr("pitwall.portfolio.threads.THREADS", 3)
    threaded = solve(POINTS, SALARIES, controls, payout=PAYOUT, seed=5)
    monkeypatch.setattr("pitwall.portfolio.arena.THREADS", 1)
    monkeypatch.setattr("pitwall.portfolio.threads.THREADS", 1)
    alone = solve(POINTS, SALARIES, controls, payout=PAYOUT, seed=5)
    assert threaded.lineups.tolist() == alone.lineups.tolist()
    assert threaded.marginal_payout.tolist() == alone.marginal_payout.tolist()


def test_solver_beats_the_lineups_of_highest_mean_on_its_own_objective():
    field = sample_field(POINTS.mean(axis=0), SALARIES, 600, style="sharp", seed=4)
    controls = Controls(n_lineups=10, max_overlap=4)
    portfolio = solve(POINTS, SALARIES, controls, field=field, payout=PAYOUT, seed=4)
    everything = enumerate_lineups(SALARIES, controls).astype(int)
    mean = POINTS.mean(axis=0)[everything].sum(axis=1)
    chosen: list[set] = []
    for row in everything[np.argsort(-mean, kind="stable")].tolist():
        if all(len(set(row) & other) <= 4 for other in chosen):
            chosen.append(set(row))
        if len(chosen) == 10:
            break
    projected = np.array([sorted(c) for c in chosen])
    assert evaluate(portfolio.lineups, POINTS, field, PAYOUT).roi > evaluate(projected, POINTS, field, PAYOUT).roi


def test_portfolio_spreads_over_outcomes_when_nothing_forces_it():
    """Lineups compete with each other, so even without an overlap limit the portfolio
    is not the same core of drivers over and over."""
    portfolio = solve(POINTS, SALARIES, Controls(n_lineups=20), payout=PAYOUT, seed=6)
    counts = _check_lineups(portfolio.lineups, Controls(n_lineups=20))
    assert (counts == 20).sum() < 4


def test_points_and_salaries_must_agree():
    with pytest.raises(PortfolioError, match="scenarios × 16 drivers"):
        solve(POINTS[:, :10], SALARIES, Controls(n_lineups=2), payout=PAYOUT, seed=1)


def test_gains_kept_up_to_date_pick_by_pick_equal_gains_recomputed_from_scratch():
    field = sample_field(POINTS.mean(axis=0), SALARIES, 300, style="sharp", seed=6)
    arena = _Arena(POINTS, field, PAYOUT, 8)
    selection = _Selection(arena, 8)
    selection.add_candidates(enumerate_lineups(SALARIES, Controls(n_lineups=1))[::40].astype(np.int64))
    for _ in range(8):
        selection.choose(int(np.argmax(np.where(selection.open, selection.gain, -np.inf))))
    kept = selection.within.copy()
    selection._refresh(selection.open.copy())
    assert selection.open.sum() > 50
    assert np.allclose(kept[selection.open], selection.within[selection.open], rtol=1e-5, atol=1e-7)
    assert not np.allclose(kept[selection.open], selection.bound[selection.open] - selection.far[selection.open])


def test_candidates_added_in_pieces_keep_their_entries_in_scenario_order(monkeypatch):
    """Entries are kept in scenario order, candidates ascending within a scenario, however the pool was
    added: in chunks on threads, and in calls (a refill) after entries already held."""
    monkeypatch.setattr("pitwall.portfolio.selection.POOL_CHUNK", 20)
    field = sample_field(POINTS.mean(axis=0), SALARIES, 300, style="sharp", seed=6)
    arena = _Arena(POINTS, field, PAYOUT, 8)
    candidates = enumerate_lineups(SALARIES, Controls(n_lineups=1))[::10].astype(np.int64)
    whole, parts = _Selection(arena, 8), _Selection(arena, 8)
    whole.add_candidates(candidates)
    parts.add_candidates(candidates[:150])
    parts.add_candidates(candidates[150:])
    assert len(candidates) > 300 and len(whole.owner) > 10 * len(candidates)
    for name in _Selection._COLUMNS + ("within", "n_entries", "scenario_start"):
        assert getattr(parts, name).tolist() == getattr(whole, name).tolist(), name
    scenario = whole.cell // _Selection._WIDTH
    assert np.all(np.diff(scenario) >= 0)
    same = np.diff(scenario) == 0
    assert np.all(np.diff(whole.owner)[same] > 0)


def test_field_places_count_opponents_above_each_edge_and_follow_a_tail_at_the_top():
    field = sample_field(POINTS.mean(axis=0), SALARIES, 300, style="sharp", seed=3)
    arena = _Arena(POINTS, field, PAYOUT, 10)  # each sampled opponent stands for 3.3
    theirs = np.sort(arena.scores(field.lineups), axis=1)[:, ::-1]  # best first
    edges = arena.base[:, None] + np.arange(GRID_BINS + 1)[None, :] / arena.scale[:, None]
    k = max(TAIL_MIN, round(PAYOUT.top_places / arena.weight))
    threshold = theirs[:, k - 1]
    excess = (theirs[:, : k - 1] - threshold[:, None]).mean(axis=1)
    step = 1 / arena.scale[:, None]
    for s in range(0, len(POINTS), 97):
        below = edges[s] <= threshold[s] - step[s]
        # Below the tail: the opponents at or above the edge, give or take one bin.
        most = arena.weight * (theirs[s][None, :] >= edges[s][below, None] - step[s]).sum(axis=1)
        least = arena.weight * (theirs[s][None, :] >= edges[s][below, None] + step[s]).sum(axis=1)
        assert np.all(arena.ahead[s][below] <= most + 1e-3) and np.all(arena.ahead[s][below] >= least - 1e-3)
        above = edges[s] > threshold[s]
        tail = arena.weight * k * np.exp(-(edges[s][above] - threshold[s]) / excess[s])
        assert np.allclose(arena.ahead[s][above], tail, rtol=1e-4)
