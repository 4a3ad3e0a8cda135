"""A player's ownership: read from its CSV, and met by the field the portfolio is solved and judged against."""

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
import pytest

from pitwall.contest import PayoutTable, evaluate, sample_field
from pitwall.contest.field import Field
from pitwall.ownership import OWNERSHIP_STYLE, ownership_pull, read_ownership
from pitwall.rules import ROSTER_SIZE, SALARY_CAP
from pitwall.slate import Slate, SlateError, load_slate

SAMPLE = Path(__file__).parents[2] / "examples" / "sample-slate"


@pytest.fixture(scope="module")
def slate() -> Slate:
    return load_slate((SAMPLE / "DKSalaries.csv").read_text(), track="Phoenix Raceway", laps=312, date=dt.date(2024, 11, 10))


def _projection(slate: Slate) -> np.ndarray:
    # A stand-in for mean DK points: dearer drivers score more, as salaries say.
    return slate.salaries / 250.0


def test_the_field_owns_each_driver_as_the_file_says_within_two_points_at_10k_entries(slate):
    text = (SAMPLE / "ownership.csv").read_text()
    ownership = read_ownership(text, slate, _projection(slate), seed=1)
    assert ownership.warnings == ()
    pull, warnings = ownership_pull(ownership, slate, seed=2)
    assert warnings == ()
    field = sample_field(_projection(slate), slate.salaries, 10_000, style=OWNERSHIP_STYLE, seed=3, pull=pull)
    owned = field.ownership(len(slate.entries))
    target = {line.split(",")[0]: float(line.split(",")[1]) / 100 for line in text.splitlines()[1:]}
    gaps = {name: abs(owned[slate.index(name)] - share) for name, share in target.items()}
    assert max(gaps.values()) < 0.02, sorted(gaps.items(), key=lambda kv: -kv[1])[:3]
    # Every field lineup is legal: six different drivers under the cap.
    lineups = field.lineups.astype(np.int64)
    assert (np.diff(np.sort(lineups, axis=1), axis=1) > 0).all()
    assert (slate.salaries[lineups].sum(axis=1) <= SALARY_CAP).all()
    # Shared favourites make some lineups repeat, as real fields do.
    _, counts = np.unique(lineups, axis=0, return_counts=True)
    assert counts.max() > 1


def test_drivers_left_out_share_what_the_file_leaves_and_are_named(slate):
    first, second = slate.entries[0], slate.entries[1]
    ownership = read_ownership(f"ID,Ownership\n{first.dk_id},40%\n{second.dk_id},35.5\n", slate, _projection(slate), 1)
    assert ownership.shares[0] == pytest.approx(0.40) and ownership.shares[1] == pytest.approx(0.355)
    assert ownership.shares.sum() == pytest.approx(ROSTER_SIZE)
    assert (ownership.shares[2:] > 0).all()
    assert len(ownership.warnings) == 1 and slate.names[2] in ownership.warnings[0]


def test_a_file_that_does_not_sum_to_600_percent_is_scaled_and_said_so(slate):
    text = "Name,Ownership\n" + "".join(f"{name},10\n" for name in slate.names)  # 40 drivers × 10% = 400%
    ownership = read_ownership(text, slate, _projection(slate), 1)
    assert ownership.shares == pytest.approx(np.full(len(slate.names), ROSTER_SIZE / len(slate.names)))
    assert ownership.warnings == ("ownership sums to 400%, scaled to 600% (six drivers a lineup)",)


def test_bad_ownership_rows_are_all_named(slate):
    text = "Name,Ownership\nKyle Larson,lots\nNobody Known,12\nChase Elliott,140\n"
    with pytest.raises(SlateError) as error:
        read_ownership(text, slate, _projection(slate), 1)
    message = str(error.value)
    assert "row 2, column 'Ownership': 'lots' is not a number" in message
    assert "row 3, column 'Name': 'Nobody Known' is not on the slate" in message
    assert "row 4, column 'Ownership': 140 is outside 0–100" in message
    with pytest.raises(SlateError, match="needs a driver column"):
        read_ownership("Player,Own\nKyle Larson,12\n", slate, _projection(slate), 1)


def test_ownership_the_cap_rules_out_is_reported(slate):
    dearest = np.argsort(-slate.salaries)[:3]
    shares = np.full(len(slate.entries), (ROSTER_SIZE - 3.0) / (len(slate.entries) - 3))
    shares[dearest] = 1.0  # the three dearest in every lineup leave too little for three more under the cap
    text = "Name,Ownership\n" + "".join(f"{n},{s * 100:.4f}\n" for n, s in zip(slate.names, shares))
    _, warnings = ownership_pull(read_ownership(text, slate, _projection(slate), 1), slate, seed=2)
    assert any(slate.names[dearest[0]] in w and "cannot be met" in w for w in warnings)


def test_copies_of_counts_identical_lineups_whatever_the_order_of_drivers():
    field = Field(lineups=np.array([[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [0, 1, 2, 3, 4, 6]], dtype=np.int16),
                  style="test", seed=0)
    assert field.copies_of(np.array([[1, 0, 2, 3, 4, 5], [0, 1, 2, 3, 4, 6], [0, 1, 2, 3, 4, 7]])).tolist() == [2, 1, 0]


def test_metrics_report_each_lineups_ownership_product_and_copies_in_the_field():
    rng = np.random.default_rng(4)
    salaries = np.array([9000, 8500, 8000, 7500, 7000, 6500, 6000, 5500, 5000])
    points = rng.gamma(4, 8, size=(200, len(salaries)))
    field = sample_field(points.mean(axis=0), salaries, 300, seed=5)
    lineups = np.array([c for c in itertools.combinations(range(len(salaries)), ROSTER_SIZE)
                        if salaries[list(c)].sum() <= SALARY_CAP][:4])
    metrics = evaluate(lineups, points, field, PayoutTable.gpp(304, 20.0))
    owned = field.ownership(len(salaries))
    assert metrics.lineup_ownership == pytest.approx(owned[lineups].prod(axis=1))
    brute = [sum(sorted(f) == sorted(lineup) for f in field.lineups.tolist()) for lineup in lineups.tolist()]
    assert metrics.lineup_duplicates.tolist() == brute
    summary = metrics.summary()
    assert summary["lineups"][0]["field_duplicates"] == brute[0]
    assert summary["field"]["ownership"] and max(summary["field"]["ownership"].values()) <= 1
