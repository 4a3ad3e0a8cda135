import numpy as np
import pytest

from pitwall.rules import dk_points
from pitwall.simulation import BLOCK, RaceModel, Scenarios, _hand_out, shard_rows, simulate

N = 38


def make_model(**changes):
    values = dict(
        starts=np.arange(1, N + 1),
        laps=267,
        track_type="intermediate",
        strength=np.linspace(1.5, -1.5, N),
        dnf=np.full(N, 0.15),
        lead_focus=1.0,
        lead_stints=20,
        fast_focus=0.6,
        fast_stints=60,
        green_share=0.8,
    )
    values.update(changes)
    return RaceModel(**values)


@pytest.fixture(scope="module")
def scenarios():
    return simulate(make_model(), 3000, seed=11)


def test_shapes_and_types(scenarios):
    assert scenarios.points.shape == (3000, N) and scenarios.points.dtype == np.float32
    for part in (scenarios.finish, scenarios.laps_led, scenarios.fastest_laps):
        assert part.shape == (3000, N) and np.issubdtype(part.dtype, np.integer)


def test_each_scenario_is_one_finishing_order(scenarios):
    np.testing.assert_array_equal(np.sort(scenarios.finish, axis=1), np.tile(np.arange(1, N + 1), (3000, 1)))


def test_laps_led_sum_to_laps_and_fastest_laps_to_the_green_pool(scenarios):
    assert (scenarios.laps_led.sum(axis=1) == 267).all()
    assert (scenarios.fastest_laps.sum(axis=1) == round(0.8 * 267)).all()
    assert (scenarios.laps_led >= 0).all() and (scenarios.fastest_laps >= 0).all()


def test_points_are_the_dk_points_of_the_components(scenarios):
    expected = dk_points(np.arange(1, N + 1)[None, :], scenarios.finish, scenarios.laps_led, scenarios.fastest_laps)
    np.testing.assert_allclose(scenarios.points, expected, atol=1e-3)


def test_stronger_drivers_finish_better_and_lead_more(scenarios):
    mean_finish = scenarios.finish.mean(axis=0)
    assert mean_finish[0] < mean_finish[N // 2] < mean_finish[-1]
    assert scenarios.laps_led[:, 0].mean() > 5 * scenarios.laps_led[:, -1].mean()


def test_dnfs_are_at_the_back():
    model = make_model(dnf=np.r_[np.ones(3), np.zeros(N - 3)], strength=np.r_[np.full(3, 5.0), np.zeros(N - 3)])
    scenarios = simulate(model, 500, seed=1)
    assert (scenarios.finish[:, :3] > N - 3).all()


def test_concentration_follows_focus_and_stints():
    spread = simulate(make_model(lead_focus=0.2, lead_stints=60), 2000, seed=3)
    focused = simulate(make_model(lead_focus=3.0, lead_stints=6), 2000, seed=3)
    top_share = lambda s: (s.laps_led.max(axis=1) / 267).mean()  # noqa: E731
    assert top_share(focused) > top_share(spread) + 0.2


def test_each_stint_goes_to_the_driver_its_draw_falls_on():
    """Row by row, a stint goes to the first driver whose cumulative share of the weights is above its draw
    (a draw on a boundary goes to the next driver, one at or past the last share to the last driver), and a
    driver of weight zero before the last gets none."""
    rng = np.random.default_rng(4)
    weight = rng.random((200, 12), dtype=np.float32)
    weight[:, [0, 5, 11]] = 0.0
    lengths = rng.integers(1, 9, size=(200, 30)).astype(np.int32)
    draws = np.sort(rng.random((200, 30)), axis=1)
    share = np.cumsum(weight, axis=1, dtype=np.float64)
    share /= share[:, -1:]
    draws[0, :3] = share[0, 2], share[0, 3], 1.0
    draws[0].sort()
    expected = np.zeros((200, 12), dtype=np.int64)
    for row in range(200):
        holders = np.minimum(np.searchsorted(share[row], draws[row], side="right"), 11)
        np.add.at(expected[row], holders, lengths[row])
    counts = _hand_out(weight, lengths, draws)
    assert counts.dtype == np.int16
    assert counts.tolist() == expected.tolist()
    assert not counts[:, [0, 5]].any()


def test_reproducible_and_seed_dependent(scenarios):
    again = simulate(make_model(), 3000, seed=11)
    np.testing.assert_array_equal(again.points, scenarios.points)
    other = simulate(make_model(), 3000, seed=12)
    assert not np.array_equal(other.finish, scenarios.finish)


@pytest.mark.parametrize("shards", [2, 3, 7])
def test_shards_equal_the_same_rows_of_the_unsharded_run(shards):
    n = 2 * BLOCK + 333
    whole = simulate(make_model(), n, seed=5)
    parts = [simulate(make_model(), n, seed=5, shard=i, shards=shards) for i in range(shards)]
    for i, part in enumerate(parts):
        rows = shard_rows(n, i, shards)
        np.testing.assert_array_equal(part.points, whole.points[rows.start : rows.stop])
    joined = Scenarios.concat(parts)
    for name in ("points", "finish", "laps_led", "fastest_laps"):
        np.testing.assert_array_equal(getattr(joined, name), getattr(whole, name))


def test_bad_arguments():
    with pytest.raises(ValueError):
        simulate(make_model(), 10, seed=1, shard=2, shards=2)
    with pytest.raises(ValueError):
        make_model(dnf=np.zeros(3))

