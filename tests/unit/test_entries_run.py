"""An entries file through the request and the run's steps: one portfolio per contest, its size and payout
per contest id, one exposure limit across contests, the file written back filled."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from pitwall.cli import app
from pitwall.dkentries import read_entries
from pitwall.history import History, slate_from_race
from pitwall.portfolio import Controls
from pitwall.request import OptimizeRequest
from pitwall.rules import ROSTER_SIZE, SALARY_CAP
from pitwall.run import contest_controls
from pitwall.slate import salaries_csv
from tests.conftest import inline_request
from tests.dkentries_layout import dk_entries

MAIN, SINGLE = "170000001", "170000002"


def _request(**extra) -> dict:
    request = inline_request()
    players = [(d["name"], d["dk_id"], d["salary"]) for d in request["drivers"]]
    request["entries_csv"] = dk_entries([(MAIN, "NASCAR $50K Sunday Special", "$5", 3),
                                         (SINGLE, "NASCAR $3 Pit Stop, Single Entry", "$0.25", 2)], players)
    del request["portfolio"]["n_lineups"]
    request.update(extra)
    return request


def _errors(request: dict) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        OptimizeRequest.model_validate(request)
    return {".".join(map(str, e["loc"])): e["msg"] for e in caught.value.errors()}


def test_the_plans_of_a_file_take_sizes_and_payouts_by_contest_id_else_the_defaults_with_the_files_fee():
    request = OptimizeRequest.model_validate(_request(
        contest={"entries": 5_000},
        contests={SINGLE: {"entries": 300, "payout": [{"first_place": 1, "last_place": 10, "prize": 6}]}},
    ))
    plans = request.entry_plans()
    assert [(p.contest.contest_id, p.n_lineups, p.config.entries, p.config.entry_fee) for p in plans] == [
        (MAIN, 3, 5_000, 5.0), (SINGLE, 2, 300, 0.25)]
    assert plans[0].config.payout is None and plans[1].config.payout_table().prizes[:10] == (6.0,) * 10
    assert request.contest_portfolio(plans[1]).n_lineups == 2
    # The job record keeps the request as validated (n_lineups included) and the flow reads it back.
    again = OptimizeRequest.model_validate(request.model_dump(mode="json"))
    assert [p.n_lineups for p in again.entry_plans()] == [3, 2]


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"contests": {"999": {"entries": 500}}}, "contests", "'999' are not in the entries file"),
        ({"contests": {SINGLE: {"payout": [{"first_place": 1, "last_place": 1, "prize": 3_000}]}}}, "contests",
         f"contest {SINGLE} (NASCAR $3 Pit Stop, Single Entry): payout"),
        ({"entries_csv": "Entry ID,Contest Name,Contest ID,Entry Fee,D,D,D,D,D,D\n1,X,170,$1,,,,,,\n1,X,170,$1,,,,,,\n"},
         "entries_csv", "line 3, column A (Entry ID): entry 1 is already on line 2"),
        ({"portfolio": {"driver_min_exposure": {"Kyle Larson": 0.34}, "driver_max_exposure": {"Kyle Larson": 0.35}}},
         "portfolio.driver_min_exposure.Kyle Larson", f"contest {SINGLE} (NASCAR $3 Pit Stop, Single Entry), 2 lineups"),
    ],
)
def test_what_an_entries_file_run_would_fail_on_is_refused_at_submit(change, field, words):
    errors = _errors(_request(**change))
    assert field in errors and words in errors[field], errors


def test_a_file_of_another_slate_or_contests_without_a_file_are_refused():
    request = _request()
    request["drivers"][0]["dk_id"] = 99_999
    errors = _errors(request)
    assert "player list lacks the DK ids of 1 slate drivers" in errors["entries_csv"], errors
    bare = inline_request()
    errors = _errors({**bare, "contests": {MAIN: {"entries": 500}}, "exposure_across_contests": True})
    assert {"contests", "exposure_across_contests"} <= set(errors), errors


def test_across_contests_each_contest_gets_the_exposure_the_earlier_ones_left():
    base = Controls(n_lineups=10, max_exposure=0.4, driver_max_exposure={1: 0.2}, locks=(2,))
    # 10 lineups in all: drivers may be in 4 (driver 1 in 2); the first contest of 6 used driver 0 four times,
    # driver 1 once, driver 3 once.
    earlier = [[[0, 1, 2, 4, 5, 6], [0, 3, 2, 7, 8, 9], [0, 2, 10, 11, 12, 13], [0, 2, 14, 15, 16, 17]]]
    sized = contest_controls(base, 6, 20, across=True, total=10, earlier=earlier)
    caps = dict(sized.driver_max_exposure)
    assert sized.n_lineups == 6 and sized.max_count(0) == 0 and sized.max_count(1) == 1
    assert sized.max_count(3) == 3 and sized.max_count(19) == 4 and 2 not in caps
    assert contest_controls(base, 6, 20) == Controls(n_lineups=6, max_exposure=0.4, driver_max_exposure={1: 0.2},
                                                     locks=(2,))


RACE_DATE = dt.date(2024, 4, 21)
TRACK = "Talladega Superspeedway"


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    history = History.from_csv()
    slate, _ = slate_from_race(history, "Cup", RACE_DATE, TRACK)
    folder = tmp_path_factory.mktemp("entries")
    (folder / "DKSalaries.csv").write_text(salaries_csv(slate))
    text = dk_entries([(MAIN, "NASCAR $50K Sunday Special", "$5", 4), (SINGLE, "NASCAR $3 Pit Stop, Single Entry",
                                                                        "$0.25", 3)],
                      [(e.name, e.dk_id, e.salary) for e in slate.entries])
    with open(folder / "DKEntries.csv", "w", newline="") as handle:
        handle.write(text)
    result = CliRunner().invoke(app, [
        "optimize", "--slate", str(folder / "DKSalaries.csv"), "--track", TRACK, "--laps", "188",
        "--date", RACE_DATE.isoformat(), "--scenarios", "1000", "--seed", "5", "--max-exposure", "0.43",
        "--entries-file", str(folder / "DKEntries.csv"), "--contest-size", f"{SINGLE}=500",
        "--exposure-across-contests", "--out", str(folder / "lineups.csv"), "--json", str(folder / "s.json"),
        "--quiet",
    ])
    assert result.exit_code == 0, result.output
    with open(folder / "lineups.entries.csv", newline="") as handle:
        return slate, text, handle.read(), json.loads((folder / "s.json").read_text())


def test_pitwall_optimize_fills_the_entries_file_one_portfolio_per_contest(filled):
    slate, text, out, summary = filled
    assert [line for line in out.split("\r\n") if not line[:1].isdigit()] == \
        [line for line in text.split("\r\n") if not line[:1].isdigit()]  # everything but the entry rows as it was
    by_cell = {f"{e.name} ({e.dk_id})": e for e in slate.entries}
    rows = list(csv.reader(io.StringIO(out)))
    entries = read_entries(out)
    per_contest: dict[str, set] = {MAIN: set(), SINGLE: set()}
    counts: dict[str, int] = {}
    for entry in entries.entries:
        drivers = [by_cell[cell] for cell in rows[entry.line - 1][4:10]]
        assert len({d.dk_id for d in drivers}) == ROSTER_SIZE and sum(d.salary for d in drivers) <= SALARY_CAP
        per_contest[entry.contest_id].add(frozenset(d.dk_id for d in drivers))
        for d in drivers:
            counts[d.name] = counts.get(d.name, 0) + 1
    assert {cid: len(lineups) for cid, lineups in per_contest.items()} == {MAIN: 4, SINGLE: 3}  # distinct
    assert max(counts.values()) <= 3  # floor(0.43 × 7) over the file's 7 lineups
    assert [(c["contest_id"], c["lineups"], c["entries"], c["entry_fee"]) for c in summary["entry_contests"]] == [
        (MAIN, 4, 10_000, 5.0), (SINGLE, 3, 500, 0.25)]
