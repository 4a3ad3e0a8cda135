"""The user's own contest and rules: a real payout table in the request, group rules in every lineup, and
per-driver exposures from a file (the command line's --payout, --group, --exposures and their API fields)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from pitwall.calibration import calibrate
from pitwall.cli import app
from pitwall.cli.optimize import parse_group, read_exposures
from pitwall.contest import ContestError, PayoutTable
from pitwall.history import History, slate_from_race
from pitwall.portfolio import Controls, PortfolioError, enumerate_lineups, solve
from pitwall.portfolio.controls import Group
from pitwall.request import ContestConfig, OptimizeRequest, PortfolioConfig
from pitwall.run import controls_for, payout_for
from pitwall.simulation import simulate
from pitwall.slate import SlateError, salaries_csv

RACE_DATE = dt.date(2024, 4, 21)
TRACK = "Talladega Superspeedway"

RACE = {"track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312}
DRIVERS = [
    {"name": "Kyle Larson", "dk_id": 4030, "salary": 10500, "start": 4},
    {"name": "Christopher Bell", "dk_id": 4153, "salary": 9800, "start": 7},
    {"name": "Chase Elliott", "dk_id": 4062, "salary": 9000, "start": 5},
    {"name": "William Byron", "dk_id": 4184, "salary": 8200, "start": 2},
    {"name": "Denny Hamlin", "dk_id": 1361, "salary": 7500, "start": 6},
    {"name": "Ryan Blaney", "dk_id": 4023, "salary": 6800, "start": 3},
    {"name": "Joey Logano", "dk_id": 3922, "salary": 5400, "start": 1},
]
PAYOUT = [
    {"first_place": 1, "last_place": 1, "prize": 1000},
    {"first_place": 2, "last_place": 5, "prize": 200},
    {"first_place": 6, "last_place": 50, "prize": 40},
]


def inline(portfolio: dict | None = None, contest: dict | None = None) -> dict:
    body: dict = {"race": dict(RACE), "drivers": [dict(d) for d in DRIVERS]}
    if portfolio is not None:
        body["portfolio"] = portfolio
    if contest is not None:
        body["contest"] = contest
    return body


def problems(body: dict) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        OptimizeRequest.model_validate(body)
    return {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in caught.value.errors()}


# -- a past slate, solved under group rules ---------------------------------------------------------------


@pytest.fixture(scope="module")
def past():
    history = History.from_csv()
    slate, _ = slate_from_race(history, "Cup", RACE_DATE, TRACK)
    points = simulate(calibrate(history, slate), 1_000, 11).points
    return history, slate, points


def _dearest(slate, k: int) -> list[int]:
    return [int(i) for i in np.argsort(-np.asarray(slate.salaries), kind="stable")[:k]]


def test_group_rules_hold_in_every_lineup_of_a_solved_portfolio(past):
    _, slate, points = past
    top = _dearest(slate, 4)  # the four dearest drivers: a solver left alone stacks them
    cheap = [int(i) for i in np.argsort(np.asarray(slate.salaries), kind="stable")[:3]]
    controls = Controls(n_lineups=10, groups=(Group(tuple(top), most=1), Group(tuple(cheap), least=2)),
                        names=tuple(slate.names))
    portfolio = solve(points, slate.salaries, controls, seed=3)
    assert len(portfolio.lineups) == 10
    for lineup in portfolio.lineups:
        assert len(set(lineup.tolist()) & set(top)) <= 1
        assert len(set(lineup.tolist()) & set(cheap)) >= 2
    unruled = solve(points, slate.salaries, Controls(n_lineups=10), seed=3)
    assert any(len(set(lineup.tolist()) & set(top)) > 1 or len(set(lineup.tolist()) & set(cheap)) < 2
               for lineup in unruled.lineups), "the rules should have bound"


def test_a_group_rule_filters_the_enumerated_candidates(past):
    _, slate, _ = past
    top = tuple(_dearest(slate, 3))
    everything = enumerate_lineups(slate.salaries, Controls(n_lineups=1))
    ruled = enumerate_lineups(slate.salaries, Controls(n_lineups=1, groups=(Group(top, most=0),)))
    assert 0 < len(ruled) < len(everything)
    assert not np.isin(ruled, top).any()
    assert len(ruled) == int((~np.isin(everything, top).any(axis=1)).sum())


def test_a_group_no_lineup_can_keep_fails_naming_the_group(past):
    _, slate, points = past
    top = tuple(_dearest(slate, 6))  # the six dearest together are over the cap
    controls = Controls(n_lineups=2, groups=(Group(top, least=6),), names=tuple(slate.names))
    with pytest.raises(PortfolioError, match="at least 6 of " + slate.names[top[0]]):
        solve(points, slate.salaries, controls, seed=1)


def test_impossible_groups_are_refused_when_the_controls_are_built():
    with pytest.raises(PortfolioError, match="min 4 is outside"):
        Controls(groups=(Group((1, 2, 3), least=4),))
    with pytest.raises(PortfolioError, match="excludes leave 1 of its drivers"):
        Controls(excludes=(1, 2), groups=(Group((1, 2, 3), least=2),))
    with pytest.raises(PortfolioError, match="2 of its drivers are locked"):
        Controls(locks=(1, 2), groups=(Group((1, 2, 3), most=1),))
    with pytest.raises(PortfolioError, match="needs a max, a min"):
        Controls(groups=(Group((1, 2)),))


def test_a_stored_slate_run_fails_naming_the_group_of_an_unknown_driver(past):
    _, slate, _ = past
    config = PortfolioConfig(groups=[{"drivers": [slate.names[0], "Nobody Atall"], "max": 1}])
    with pytest.raises(SlateError, match=r"group 0 \(at most 1 of .*Nobody Atall\)"):
        controls_for(slate, config)
    config = PortfolioConfig(groups=[{"drivers": [slate.names[0], slate.names[1].upper()], "max": 1}])
    assert controls_for(slate, config).groups == (Group((0, 1), most=1),)


# -- group rules in the request ---------------------------------------------------------------------------


def test_an_inline_group_rule_is_taken_and_resolved_as_locks_are():
    body = inline({"n_lineups": 3, "groups": [{"drivers": ["kyle larson", "Chase Elliott"], "max": 1},
                                              {"drivers": ["Joey Logano", "Ryan Blaney"], "min": 1}]})
    request = OptimizeRequest.model_validate(body)
    assert [(g.max, g.min) for g in request.portfolio.groups] == [(1, None), (None, 1)]
    assert OptimizeRequest.model_validate(request.model_dump(mode="json")) == request


@pytest.mark.parametrize(
    "groups, field, says",
    [
        ([{"drivers": ["Kyle Larson", "Nobody Atall"], "max": 1}], "portfolio.groups.0.drivers.1", "Nobody Atall"),
        ([{"drivers": ["Kyle Larson", "Chase Elliott"], "min": 3}], "portfolio.groups.0.min", "more than"),
        ([{"drivers": ["Kyle Larson", "Chase Elliott"], "max": 3}], "portfolio.groups.0.max", "more than"),
        ([{"drivers": ["Kyle Larson"] * 2, "max": 1}], "portfolio.groups.0.drivers.1", "twice"),
        ([{"drivers": ["Kyle Larson", "Chase Elliott"]}], "portfolio.groups.0", "max, min or both"),
        ([{"drivers": ["Kyle Larson", "Chase Elliott"], "min": 2, "max": 1}], "portfolio.groups.0.min", "above max"),
        ([{"drivers": [f"D{i}" for i in range(8)], "min": 7}], "portfolio.groups.0.min", "less than or equal"),
        ([{"drivers": ["Kyle Larson", "Chase Elliott"], "max": True}], "portfolio.groups.0.max", "integer"),
        ([{"drivers": [], "max": 0}], "portfolio.groups.0.drivers", "at least 1"),
    ],
)
def test_impossible_group_rules_are_refused_at_submit(groups, field, says):
    found = problems(inline({"groups": groups}))
    assert field in found, found
    assert says in found[field]


def test_a_min_group_against_the_excludes_or_locks_is_refused_even_for_a_stored_slate():
    stored = {"slate_id": "cup-2024-11-10-phoenix-raceway-0123abcd99"}
    found = problems({**stored, "portfolio": {"excludes": ["Kyle Larson"],
                                              "groups": [{"drivers": ["Kyle Larson", "Chase Elliott"], "min": 2}]}})
    assert "excludes leave 1 of its drivers" in found["portfolio.groups.0"]
    found = problems({**stored, "portfolio": {"locks": ["Kyle Larson", "chase elliott"],
                                              "groups": [{"drivers": ["Kyle Larson", "Chase Elliott"], "max": 1}]}})
    assert "2 of its drivers are locked" in found["portfolio.groups.0"]


# -- the contest's payout in the request -------------------------------------------------------------------


def test_a_payout_table_in_the_request_is_the_run_s_payout():
    request = OptimizeRequest.model_validate(inline(contest={"entries": 1000, "entry_fee": 5, "payout": PAYOUT}))
    table = payout_for(request.contest)
    assert table.prizes == (1000.0,) + (200.0,) * 4 + (40.0,) * 45
    assert table.entries == 1000 and table.entry_fee == 5.0
    assert OptimizeRequest.model_validate(request.model_dump(mode="json")) == request
    default = payout_for(ContestConfig(entries=1000, entry_fee=5))
    assert default == PayoutTable.gpp(1000, 5.0)


@pytest.mark.parametrize(
    "rows, says",
    [
        ([{"first_place": 2, "last_place": 5, "prize": 10}], "places 1-1 are missing"),
        ([{"first_place": 1, "last_place": 3, "prize": 50}, {"first_place": 3, "last_place": 5, "prize": 10}],
         "overlap"),
        ([{"first_place": 1, "last_place": 1, "prize": 50}, {"first_place": 3, "last_place": 5, "prize": 10}],
         "missing"),
        ([{"first_place": 1, "last_place": 1, "prize": 10}, {"first_place": 2, "last_place": 2, "prize": 50}],
         "never rise"),
        ([{"first_place": 1, "last_place": 2000, "prize": 1}], "past the contest's 1,000 entries"),
        ([{"first_place": 1, "last_place": 1, "prize": 6000}], "exceed the entry fees"),
        ([{"first_place": 3, "last_place": 1, "prize": 10}], "not before its first"),
    ],
)
def test_a_payout_table_that_cannot_be_is_refused_at_submit(rows, says):
    found = problems(inline(contest={"entries": 1000, "entry_fee": 5, "payout": rows}))
    assert says in found["contest.payout"], found


@pytest.mark.parametrize(
    "row, field",
    [
        ({"first_place": 1, "last_place": 1, "prize": 0}, "prize"),
        ({"first_place": 1, "last_place": 1, "prize": "10"}, "prize"),
        ({"first_place": 1.0, "last_place": 1, "prize": 10}, "first_place"),
        ({"first_place": 0, "last_place": 1, "prize": 10}, "first_place"),
        ({"first_place": 1, "last_place": True, "prize": 10}, "last_place"),
    ],
)
def test_payout_rows_are_strict(row, field):
    assert f"contest.payout.0.{field}" in problems(inline(contest={"payout": [row]}))


def test_an_empty_payout_is_refused():
    assert "contest.payout" in problems(inline(contest={"payout": []}))


def test_the_payout_file_keeps_the_same_rules():
    with pytest.raises(ContestError, match="overlap"):
        PayoutTable.from_csv("1,3,50\n3,5,10\n", entries=100, entry_fee=10.0)
    rows = "first_place,last_place,prize\n2,5,20\n1,1,$100\n"  # rows in any order
    assert PayoutTable.from_csv(rows, entries=100, entry_fee=10.0).prizes == (100.0,) + (20.0,) * 4


# -- the command line: --group, --exposures, --payout ------------------------------------------------------


def test_group_options_parse():
    assert parse_group("Kyle Larson, Chase Elliott ,William Byron:max=1") == (
        ["Kyle Larson", "Chase Elliott", "William Byron"], 1, None)
    assert parse_group("A,B:min=1,max=2") == (["A", "B"], 2, 1)
    for bad in ("A,B", "A,B:most=1", "A,B:max=x", ":max=1", "A:max=1,max=2"):
        with pytest.raises(ValueError, match="--group"):
            parse_group(bad)


def test_exposure_files_parse_with_blanks():
    lowest, highest = read_exposures("\ufeffName,Min,Max\nKyle Larson,0.5,\nChase Elliott,,0.25\nJoey Logano,0.1,0.9\n\n")
    assert lowest == {"Kyle Larson": 0.5, "Joey Logano": 0.1}
    assert highest == {"Chase Elliott": 0.25, "Joey Logano": 0.9}
    with pytest.raises(ValueError, match="row 2: Max of Kyle Larson must be a share"):
        read_exposures("Name,Min,Max\nKyle Larson,,1.5\n")
    with pytest.raises(ValueError, match="row 2: Min of Kyle Larson"):
        read_exposures("Name,Min,Max\nKyle Larson,half,\n")
    with pytest.raises(ValueError, match="missing max"):
        read_exposures("Name,Min\nKyle Larson,0.5\n")
    with pytest.raises(ValueError, match="twice"):
        read_exposures("Name,Min,Max\nKyle Larson,0.5,\nkyle larson,,0.6\n")


@pytest.fixture(scope="module")
def slate_files(tmp_path_factory, past):
    _, slate, _ = past
    folder = tmp_path_factory.mktemp("rules")
    (folder / "DKSalaries.csv").write_text(salaries_csv(slate))
    return folder, slate


def _optimize(folder, *extra: str):
    return CliRunner().invoke(
        app,
        ["optimize", "--slate", str(folder / "DKSalaries.csv"), "--track", TRACK, "--laps", "188",
         "--date", RACE_DATE.isoformat(), "--lineups", "10", "--scenarios", "1000", "--seed", "5",
         "--entries", "1000", "--entry-fee", "5", "--out", str(folder / "lineups.csv"), "--quiet", *extra],
    )


def test_the_command_line_honours_groups_exposures_and_payout_files(slate_files):
    folder, slate = slate_files
    top = [slate.names[i] for i in _dearest(slate, 4)]
    cheap = sorted(slate.entries, key=lambda e: e.salary)[0].name
    (folder / "exposures.csv").write_text(f"Name,Min,Max\n{cheap},0.5,\n{top[0]},,0.2\n")
    (folder / "payout.csv").write_text("first_place,last_place,prize\n1,1,1000\n2,5,200\n6,50,40\n")
    result = _optimize(folder, "--group", ",".join(top) + ":max=1", "--exposures", str(folder / "exposures.csv"),
                       "--payout", str(folder / "payout.csv"))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    lineups = [lineup.split(" / ") for lineup in summary["lineups"]]
    assert len(lineups) == 10
    for lineup in lineups:
        assert len(set(lineup) & set(top)) <= 1
    assert sum(cheap in lineup for lineup in lineups) >= 5
    assert sum(top[0] in lineup for lineup in lineups) <= 2
    assert summary["controls"]["groups"] == [{"drivers": top, "max": 1, "min": None}]
    assert summary["controls"]["driver_min_exposure"] == {cheap: 0.5}
    assert summary["contest"]["first_prize"] == 1000.0 and summary["contest"]["paid_places"] == 50


def test_the_command_line_refuses_bad_rules_naming_them(slate_files):
    folder, slate = slate_files
    result = _optimize(folder, "--group", f"{slate.names[0]},Nobody Atall:max=1")
    assert result.exit_code == 2 and "group 0" in result.output and "Nobody Atall" in result.output
    result = _optimize(folder, "--group", f"{slate.names[0]},{slate.names[1]}:min=3")
    assert result.exit_code == 2 and "min 3 is outside" in result.output
    result = _optimize(folder, "--exclude", slate.names[0], "--group", f"{slate.names[0]},{slate.names[1]}:min=2")
    assert result.exit_code == 2 and "excludes leave 1" in result.output
    (folder / "bad.csv").write_text("Name,Min,Max\nSomeone,2,\n")
    result = _optimize(folder, "--exposures", str(folder / "bad.csv"))
    assert result.exit_code == 2 and "exposure file: row 2" in result.output


def test_a_payout_csv_in_the_request_is_the_same_table_as_its_rows_and_checked_alike():
    from pitwall.request import ContestConfig

    rows = [{"first_place": 1, "last_place": 1, "prize": 1000}, {"first_place": 2, "last_place": 5, "prize": 200},
            {"first_place": 6, "last_place": 50, "prize": 40}]
    text = 'first_place,last_place,prize\n1,1,"$1,000"\n2,5,200\n6,50,40\n'
    by_rows = ContestConfig(entries=1000, entry_fee=5, payout=rows).payout_table()
    by_csv = ContestConfig(entries=1000, entry_fee=5, payout_csv=text).payout_table()
    assert by_csv == by_rows
    with pytest.raises(ValidationError) as both:
        ContestConfig(entries=1000, entry_fee=5, payout=rows, payout_csv=text)
    assert both.value.errors()[0]["loc"] == ("payout_csv",)
    with pytest.raises(ValidationError) as bad:
        ContestConfig(entries=1000, entry_fee=5, payout_csv="1,1,100\n3,9,10\n")
    assert bad.value.errors()[0]["loc"] == ("payout_csv",) and "payout file" in bad.value.errors()[0]["msg"]
