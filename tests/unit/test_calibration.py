import datetime as dt

import numpy as np
import pytest

from pitwall import calibration
from pitwall.calibration import CalibrationError, calibrate, fit_plackett_luce, race_weights
from pitwall.history import History, slate_from_race
from pitwall.quality import order_loglik
from pitwall.slate import Entry, Slate

DATE = dt.date(2024, 10, 6)
TRACK = "Talladega Superspeedway"


@pytest.fixture(scope="module")
def history():
    return History.from_csv()


@pytest.fixture(scope="module")
def race(history):
    return slate_from_race(history, "Cup", DATE, TRACK)


@pytest.fixture(scope="module")
def model(history, race):
    return calibrate(history, race[0])


def test_calibration_uses_only_races_before_the_slate(history, race, model):
    earlier = history.before(DATE)
    again = calibrate(earlier, race[0])
    np.testing.assert_allclose(again.strength, model.strength, atol=1e-6)
    np.testing.assert_allclose(again.dnf, model.dnf)
    assert (again.lead_focus, again.lead_stints) == (model.lead_focus, model.lead_stints)


def test_model_fits_the_slate(race, model):
    slate, _ = race
    assert model.track_type == "superspeedway"
    assert model.drivers == len(slate.entries) and model.laps == slate.laps
    assert 0.05 < model.dnf.mean() < 0.35
    assert 0.5 < model.green_share <= 1.0


def test_track_type_sets_laps_led_concentration(history, race, model):
    short = calibrate(history, race[0], track_type="short")
    assert short.track_type == "short"
    # leads are spread over many stints at superspeedways, held longer on short tracks
    assert model.lead_stints > short.lead_stints


def test_grid_position_matters(history, race, model):
    slate, _ = race
    flipped = Slate(slate.track, slate.date, slate.laps,
                    tuple(Entry(e.name, e.dk_id, e.salary, len(slate.entries) + 1 - e.start) for e in slate.entries))
    other = calibrate(history, flipped)
    first, last = 0, len(slate.entries) - 1  # entries are sorted by start
    assert model.strength[first] - other.strength[first] > 0.2
    assert other.strength[last] - model.strength[last] > 0.2


def test_newcomer_is_shrunk_to_the_prior(history, race, model):
    slate, _ = race
    rookie = Entry("Nobody Ever", 999_999, 4500, slate.entries[-1].start)
    with_rookie = Slate(slate.track, slate.date, slate.laps, slate.entries[:-1] + (rookie,))
    fitted = calibrate(history, with_rookie)
    grid_only = fitted.strength[-1]
    assert abs(grid_only - model.strength[-1]) < 1.5  # grid-driven, not wild
    assert fitted.dnf[-1] == pytest.approx(np.median(fitted.dnf), abs=0.05)


def test_no_history_is_an_error(race):
    with pytest.raises(CalibrationError):
        calibrate(History([]), race[0])


def test_plackett_luce_recovers_known_strengths():
    rng = np.random.default_rng(0)
    truth = np.array([1.0, 0.5, 0.0, -0.5, -1.0])
    groups, items = [], []
    for r in range(400):
        order = np.argsort(-(truth + rng.gumbel(size=5)))
        groups.append(np.arange(5 * r, 5 * r + 5))
        items.extend(order.tolist())
    value, _ = fit_plackett_luce(groups, np.ones(400), np.array(items), 5, np.zeros((2000, 0)), item_precision=1e-3)
    np.testing.assert_allclose(value - value.mean(), truth, atol=0.15)


def test_plackett_luce_recovers_strengths_from_partial_orders():
    # Only each race's first two places are ranked; the other three are the field they beat.
    rng = np.random.default_rng(1)
    truth = np.array([1.0, 0.5, 0.0, -0.5, -1.0])
    groups, items = [], []
    for r in range(1500):
        groups.append(np.arange(5 * r, 5 * r + 5))
        items.extend(np.argsort(-(truth + rng.gumbel(size=5))).tolist())
    value, _ = fit_plackett_luce(groups, np.ones(1500), np.array(items), 5, np.zeros((7500, 0)), item_precision=1e-3,
                                 ranked=np.full(1500, 2))
    np.testing.assert_allclose(value - value.mean(), truth, atol=0.15)


def test_an_unranked_field_only_says_who_it_lost_to():
    # Item 0 beat the other three, whose order is not given: they stay level, below it.
    value, _ = fit_plackett_luce([np.arange(4)] * 10, np.ones(10), np.arange(4), 4, np.zeros((4, 0)),
                                 item_precision=0.1, ranked=np.ones(10, dtype=int))
    assert value[0] > value[1] + 1.0
    np.testing.assert_allclose(value[1:], value[1], atol=1e-4)
    # Ranked to the end, the same groups are full orders.
    full, _ = fit_plackett_luce([np.arange(4)] * 10, np.ones(10), np.arange(4), 4, np.zeros((4, 0)), item_precision=0.1)
    same, _ = fit_plackett_luce([np.arange(4)] * 10, np.ones(10), np.arange(4), 4, np.zeros((4, 0)), item_precision=0.1,
                                ranked=np.full(10, 4))
    np.testing.assert_allclose(same, full)
    assert np.all(np.diff(full) < 0)


def test_the_fit_runs_on_one_blas_thread(monkeypatch):
    import scipy.optimize
    from threadpoolctl import threadpool_info

    seen = []
    real = scipy.optimize.minimize

    def minimize(*args, **kwargs):
        seen.append({lib["filepath"]: lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})
        return real(*args, **kwargs)

    monkeypatch.setattr(scipy.optimize, "minimize", minimize)
    fit_plackett_luce([np.arange(4)] * 10, np.ones(10), np.arange(4), 4, np.zeros((4, 0)), item_precision=0.1)
    assert seen and seen[0] and set(seen[0].values()) == {1}


def test_order_loglik_is_a_distribution():
    from itertools import permutations

    strength = np.array([0.3, -0.2, 0.1])
    dnf = np.array([0.1, 0.3, 0.2])
    total = sum(np.exp(order_loglik(strength, dnf, np.array(p))) for p in permutations(range(3)))
    assert total == pytest.approx(1.0)


def test_dominance_rises_with_laps_led_beyond_the_finishes_and_is_zero_without_races(history, race):
    from pitwall.calibration import _slate_driver_ids, dominance, race_weights

    slate, _ = race
    weights = race_weights(history, slate.series, slate.date, slate.kind)
    ids = _slate_driver_ids(history, slate)
    base = dominance(history, weights, ids + [-1], history.laps_led)
    assert base[-1] == 0.0  # a driver without weighted races
    # Hand one driver more laps led in his past races, finishes unchanged: his tilt rises, and only his.
    driver = ids[int(np.argmin(base[:-1]))]
    laps = history.laps_led.copy()
    laps[(history.driver_id == driver) & (weights[history.race] > 0)] += 20
    moved = dominance(history, weights, ids + [-1], laps)
    mine = ids.index(driver)
    assert moved[mine] > base[mine] + 0.5
    others = [i for i in range(len(ids)) if i != mine]
    assert np.abs(moved[others] - base[others]).max() < 0.25


def test_a_dominance_tilt_moves_laps_led_to_the_driver_and_keeps_the_race_whole(model):
    from dataclasses import replace

    from pitwall.simulation import simulate

    flat = replace(model, lead_bias=np.zeros(model.drivers), fast_bias=np.zeros(model.drivers))
    tilt = np.zeros(model.drivers)
    tilt[5] = 1.5
    tilted = replace(flat, lead_bias=tilt)
    before, after = simulate(flat, 2000, 3), simulate(tilted, 2000, 3)
    assert after.laps_led[:, 5].mean() > 1.5 * before.laps_led[:, 5].mean()
    assert (after.laps_led.sum(axis=1) == model.laps).all()
    np.testing.assert_array_equal(after.finish, before.finish)  # the finishing order is not the tilt's


def test_loop_orders_rank_each_race_best_first(history):
    from pitwall.calibration import _loop_order_groups

    races = np.arange(3)
    by_rating, _ = _loop_order_groups(history, races, history.rating, higher_is_better=True)
    by_pace, _ = _loop_order_groups(history, races, history.avg_position)
    for rating_order, pace_order in zip(by_rating, by_pace):
        assert np.all(np.diff(history.rating[rating_order]) <= 0)
        assert np.all(np.diff(history.avg_position[pace_order]) >= 0)
    # A race whose rows lack the column is left out, not ranked on the rows that have it.
    rating = history.rating.copy()
    rating[history.races[1].rows.start] = np.nan
    _, owner = _loop_order_groups(history, races, rating, higher_is_better=True)
    assert owner == [0, 2]


def test_the_fastest_lap_order_ranks_only_the_drivers_who_ran_one(history):
    from pitwall.calibration import _count_order_groups

    races = np.arange(5)
    groups, owner, ranked = _count_order_groups(history, races, history.fastest_laps)
    assert owner == [r for r in races if history.fastest_laps[history.races[r].rows].any()]
    for group, k in zip(groups, ranked):
        laps = history.fastest_laps[group]
        assert np.all(np.diff(laps[:k]) <= 0) and laps[k - 1] > 0
        assert k == min((laps > 0).sum(), len(group) - 1)


def test_a_race_halves_its_weight_every_half_life(history):
    weights = race_weights(history, "Cup", DATE, None, half_life=100.0)
    for i, race in enumerate(history.races):
        if race.series == "Cup" and race.date < DATE:
            assert weights[i] == pytest.approx(0.5 ** ((DATE - race.date).days / 100.0))
    assert weights[[i for i, r in enumerate(history.races) if r.date >= DATE]].sum() == 0


def test_concentration_follows_recent_races_and_dnf_rates_keep_the_skills_memory(history, race, model, monkeypatch):
    monkeypatch.setattr(calibration, "PROFILE_HALF_LIFE_DAYS", calibration.HALF_LIFE_DAYS)
    longer = calibrate(history, race[0])
    np.testing.assert_array_equal(longer.dnf, model.dnf)
    np.testing.assert_array_equal(longer.strength, model.strength)
    assert (longer.lead_focus, longer.lead_stints, longer.green_share) != (
        model.lead_focus, model.lead_stints, model.green_share)
