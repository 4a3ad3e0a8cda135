"""The simulated contest: payout tables, ties, the field and the metrics, checked by hand."""

import numpy as np
import pytest

from pitwall.contest import (
    ContestError,
    Field,
    PayoutTable,
    contest_payouts,
    evaluate,
    mean_overlap,
    quantized,
    sample_field,
)
from pitwall.rules import ROSTER_SIZE, SALARY_CAP


def _points(per_driver_rows):
    return np.array(per_driver_rows, dtype=np.float32)


def _field(lineups):
    return Field(lineups=np.array(lineups, dtype=np.int16), style="test", seed=0)


# Eight drivers; a lineup's score is the sum of its six drivers' points.
ONE = [0, 1, 2, 3, 4, 5]
TWO = [0, 1, 2, 3, 4, 6]
THREE = [0, 1, 2, 3, 4, 7]
FOUR = [1, 2, 3, 4, 5, 6]


def test_gpp_table_is_a_prize_pool_that_falls_with_place():
    table = PayoutTable.gpp(10_000, 20.0, rake=0.15, paid_fraction=0.22, first_share=0.12, min_cash_multiple=2.0)
    prizes = np.array(table.prizes)
    assert table.paid_places == 2_200
    assert np.all(np.diff(prizes) <= 0)
    assert prizes[0] == pytest.approx(0.12 * 170_000, rel=1e-6)
    assert prizes[-1] == pytest.approx(40.0, abs=0.01)
    assert table.pool <= 170_000 + 1e-6
    assert table.pool == pytest.approx(170_000, rel=1e-3)
    assert table.rake == pytest.approx(0.15, abs=1e-3)
    assert table.top_places == 100


def test_payout_tables_that_cannot_be_are_errors():
    with pytest.raises(ContestError, match="never rise"):
        PayoutTable(10, 10.0, (5.0, 20.0))
    with pytest.raises(ContestError, match="exceed"):
        PayoutTable(10, 10.0, (90.0, 20.0))
    with pytest.raises(ContestError, match="paid places"):
        PayoutTable(2, 10.0, (5.0, 4.0, 3.0))


def test_payout_csv_rows_expand_to_places():
    table = PayoutTable.from_csv("first,last,prize\n1,1,$500\n2,3,100\n4,10,20\n", entries=100, entry_fee=10.0)
    assert table.prizes == (500.0, 100.0, 100.0) + (20.0,) * 7
    with pytest.raises(ContestError, match="without gaps"):
        PayoutTable.from_csv("1,1,500\n3,4,100\n", entries=100, entry_fee=10.0)


def test_tied_entries_split_the_places_they_occupy():
    table = PayoutTable(4, 10.0, (20.0, 10.0, 6.0))
    # One entry alone in first; two tied for first take (20 + 10) / 2 each; three tied
    # for second take (10 + 6 + 0) / 3.
    assert table.share(np.array([0.0]), np.array([1.0]))[0] == pytest.approx(20.0)
    assert table.share(np.array([0.0]), np.array([2.0]))[0] == pytest.approx(15.0)
    assert table.share(np.array([1.0]), np.array([3.0]))[0] == pytest.approx(16.0 / 3)


def test_roi_of_a_tiny_contest_by_hand():
    # Two scenarios. Driver 5, 6, 7 decide the order; drivers 0–4 score 0.
    points = _points(
        [
            [0, 0, 0, 0, 0, 30, 20, 10],  # ONE 30 wins; field TWO 20, THREE 10
            [0, 0, 0, 0, 0, 10, 20, 30],  # ONE 10 is last of three
        ]
    )
    payout = PayoutTable(3, 10.0, (18.0, 6.0))  # 3 entries: ours and two opponents
    metrics = evaluate(np.array([ONE]), points, _field([TWO, THREE]), payout)
    # Prizes 18 then 0: mean 9 on a 10 fee.
    assert metrics.roi == pytest.approx(-0.1)
    assert metrics.lineup_roi[0] == pytest.approx(-0.1)
    assert metrics.win_rate == pytest.approx(0.5)
    assert metrics.cash_rate == pytest.approx(0.5)
    assert metrics.top1_rate == pytest.approx(0.5)  # top 1% of 3 entries is first place
    assert metrics.expected_best == pytest.approx(20.0)
    assert metrics.roi_se == pytest.approx(np.std([0.8, -1.0], ddof=1) / np.sqrt(2))


def test_a_tie_with_the_field_splits_the_prize():
    points = _points([[0, 0, 0, 0, 0, 25, 25, 10]])
    payout = PayoutTable(3, 10.0, (20.0, 7.0))
    prize, ahead = contest_payouts(np.array([ONE]), points, _field([TWO, THREE]), payout)
    assert prize[0, 0] == pytest.approx(13.5)  # tied with TWO for first: (20 + 7) / 2
    assert ahead[0, 0] == 0


def test_our_lineups_compete_with_each_other_and_weighted_opponents_count_as_many():
    points = _points([[0, 0, 0, 0, 0, 30, 20, 10]])
    payout = PayoutTable(5, 10.0, (20.0, 10.0, 5.0))
    # Our ONE (30) and TWO (20); one sampled opponent THREE (10) stands for 3 entries.
    prize, ahead = contest_payouts(np.array([ONE, TWO]), points, _field([THREE]), payout)
    assert prize[:, 0] == pytest.approx([20.0, 10.0])
    assert ahead[:, 0] == pytest.approx([0, 1])
    # Our lineup under the weighted opponent: three entries ahead, last place, no prize.
    prize, ahead = contest_payouts(np.array([[0, 1, 2, 3, 4, 7]]), _points([[0, 0, 0, 0, 0, 0, 0, 0]]) + 0,
                                   _field([FOUR]), PayoutTable(4, 10.0, (20.0, 10.0, 5.0)))
    # Everyone scores 0 here: one of ours tied with 3 opponents splits all 4 places.
    assert prize[0, 0] == pytest.approx(35.0 / 4)


def test_scores_tie_at_dk_resolution_despite_float_noise():
    assert quantized(np.array([0.1 + 0.2, 0.3], dtype=np.float64)).tolist() == [6, 6]
    points = _points([[0.25, 0.45, 0, 0, 0, 0.3, 0.1 + 0.2, 0]])
    payout = PayoutTable(2, 10.0, (15.0,))
    prize, _ = contest_payouts(np.array([ONE]), points, _field([TWO]), payout)
    assert prize[0, 0] == pytest.approx(7.5)


def test_metrics_report_exposures_and_overlap():
    lineups = np.array([ONE, TWO, FOUR])
    points = np.zeros((4, 8), dtype=np.float32)
    metrics = evaluate(lineups, points, _field([THREE]), PayoutTable(10, 10.0, (50.0,)))
    assert metrics.exposures.sum() == pytest.approx(ROSTER_SIZE)
    assert metrics.exposures[0] == pytest.approx(2 / 3)
    # Shared drivers: ONE·TWO 5, ONE·FOUR 5, TWO·FOUR 5.
    assert mean_overlap(lineups, 8) == pytest.approx(5.0)
    assert mean_overlap(np.array([ONE, [0, 1, 2, 6, 7, 5]]), 8) == pytest.approx(4.0)


def _slate(n_drivers=30, seed=3):
    rng = np.random.default_rng(seed)
    salaries = np.sort(rng.integers(45, 120, n_drivers) * 100)[::-1].copy()
    projection = salaries / 250.0 + rng.normal(0, 4, n_drivers)
    return projection, salaries


@pytest.mark.parametrize("style", ["sharp", "weak"])
def test_field_lineups_are_legal_and_reproducible(style):
    projection, salaries = _slate()
    field = sample_field(projection, salaries, 500, style=style, seed=11)
    lineups = field.lineups.astype(int)
    assert lineups.shape == (500, ROSTER_SIZE)
    assert all(len(set(row)) == ROSTER_SIZE for row in lineups.tolist())
    spend = salaries[lineups].sum(axis=1)
    assert spend.max() <= SALARY_CAP
    assert spend.min() >= (49_000 if style == "sharp" else 46_500)
    again = sample_field(projection, salaries, 500, style=style, seed=11)
    assert np.array_equal(field.lineups, again.lineups)
    assert not np.array_equal(field.lineups, sample_field(projection, salaries, 500, style=style, seed=12).lineups)


def test_sharp_fields_crowd_onto_fewer_drivers_than_weak_ones():
    projection, salaries = _slate()
    sharp = sample_field(projection, salaries, 2000, style="sharp", seed=1).ownership(len(salaries))
    weak = sample_field(projection, salaries, 2000, style="weak", seed=1).ownership(len(salaries))
    assert sharp.sum() == pytest.approx(ROSTER_SIZE)
    assert np.sort(sharp)[-5:].sum() > np.sort(weak)[-5:].sum()


def test_a_contest_our_lineups_fill_is_an_error():
    points = np.zeros((2, 8), dtype=np.float32)
    with pytest.raises(ContestError, match="fill a contest"):
        evaluate(np.array([ONE, TWO]), points, _field([THREE]), PayoutTable(2, 10.0, (15.0,)))


def test_a_field_is_drawn_even_when_the_favourites_are_all_cheap():
    """Value plays starting at the back: lineups of favourites cannot reach the floor."""
    _, salaries = _slate()
    projection = 60.0 - salaries / 250.0  # the cheaper, the better projected
    field = sample_field(projection, salaries, 300, style="sharp", seed=5)
    spend = salaries[field.lineups.astype(int)].sum(axis=1)
    assert len(field.lineups) == 300
    assert spend.min() >= 49_000 and spend.max() <= SALARY_CAP


def test_every_paid_place_matches_a_contest_ranked_by_hand():
    """Many scenarios, chunked, with ties everywhere: each of our lineups is placed among all entries
    (ours and the field) by counting, and the prizes split by hand; out of the money, the place may be
    lower than the lineup finished (module docstring) but never the prize."""
    rng = np.random.default_rng(5)
    points = rng.integers(0, 4, size=(23, 8)).astype(np.float32)  # 23 scenarios, chunks of 5 below
    ours = np.array([ONE, TWO, ONE, FOUR])
    field = [sorted(rng.choice(8, ROSTER_SIZE, replace=False).tolist()) for _ in range(12)]
    payout = PayoutTable(16, 10.0, (40.0, 20.0, 10.0, 5.0, 5.0))
    prize, ahead = contest_payouts(ours, points, _field(field), payout, chunk=5)
    cumulative = np.concatenate([[0.0], np.cumsum(payout.prizes), np.full(16, sum(payout.prizes))])
    for s, row in enumerate(points):
        everyone = np.array([row[lineup].sum() for lineup in list(ours) + field])
        for i, lineup in enumerate(ours):
            score = row[lineup].sum()
            above, tied = int((everyone > score).sum()), int((everyone == score).sum())
            expected = (cumulative[above + tied] - cumulative[above]) / tied
            assert prize[i, s] == pytest.approx(expected)
            if expected > 0:
                assert ahead[i, s] == above
