"""The rules of a slate, one test per rule, on each path a slate comes in by: a DraftKings salary CSV
(`read_salaries`, used by the upload and the command line) and an optimize request's inline drivers
(`OptimizeRequest`). Both apply `pitwall.slate.slate_problems`; a request also refuses, at submit, what its
run could only fail on (controls that name no driver, conflict, or do not fit the inline slate)."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from pitwall.request import OptimizeRequest
from pitwall.slate import (
    DK_ID_MAX,
    SALARY_MAX,
    SALARY_MIN,
    Slate,
    SlateError,
    load_slate,
    race_problem,
    read_salaries,
    salaries_csv,
    slate_problems,
)

HEADER = "Position,Name + ID,Name,ID,Roster Position,Salary,Game Info,TeamAbbrev,AvgPointsPerGame,Start"
# (name, DK id, salary, start): seven drivers, starts 1 … 7, a lineup under the cap.
DRIVERS = [
    ("Kyle Larson", "4030", "10500", "4"),
    ("Christopher Bell", "4153", "9800", "7"),
    ("Chase Elliott", "4062", "9000", "5"),
    ("William Byron", "4184", "8200", "2"),
    ("Denny Hamlin", "1361", "7500", "6"),
    ("Ryan Blaney", "4023", "6800", "3"),
    ("Joey Logano", "3922", "5400", "1"),
]
COLUMN = {"dk_id": (1, "ID"), "salary": (2, "Salary"), "start": (3, "Start")}


def salary_csv(drivers=DRIVERS) -> str:
    rows = [HEADER] + [f'D,"{n} ({i})","{n}",{i},D,"{s}",Phoenix,,0,{p}' for n, i, s, p in drivers]
    return "\n".join(rows) + "\n"


def with_cell(field: str, value: str, row: int = 4) -> list[tuple[str, ...]]:
    drivers = [list(d) for d in DRIVERS]
    drivers[row][COLUMN[field][0]] = value
    return [tuple(d) for d in drivers]


def csv_problems(drivers) -> str:
    with pytest.raises(SlateError) as caught:
        read_salaries(salary_csv(drivers))
    return str(caught.value)


def request_body(drivers=DRIVERS, **changes) -> dict:
    return {
        "race": {"track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312},
        "drivers": [{"name": n, "dk_id": int(i), "salary": int(s), "start": int(p)} for n, i, s, p in drivers],
        **changes,
    }


def request_problems(body: dict) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        OptimizeRequest.model_validate(body)
    return {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in caught.value.errors()}


def test_the_sample_drivers_keep_every_rule():
    assert len(read_salaries(salary_csv())) == 7
    assert OptimizeRequest.model_validate(request_body()).drivers[0].salary == 10500
    assert slate_problems([(n, int(i), int(s), int(p)) for n, i, s, p in DRIVERS]) == []


# -- DK ids: 1 … 2^31 − 1 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dk_id", [0, -4, DK_ID_MAX + 1, 2**63 + 1, 10**40])
def test_a_dk_id_outside_the_32_bit_range_is_refused_on_both_paths(dk_id):
    message = csv_problems(with_cell("dk_id", str(dk_id)))
    assert "row 6, column 'ID'" in message and "outside 1 … 2,147,483,647" in message
    found = request_problems(request_body(with_cell("dk_id", str(dk_id))))
    assert list(found) == ["drivers.4.dk_id"] and "outside 1 … 2,147,483,647" in found["drivers.4.dk_id"]


def test_the_largest_dk_id_is_accepted():
    assert read_salaries(salary_csv(with_cell("dk_id", str(DK_ID_MAX))))[4].dk_id == DK_ID_MAX


# -- salaries: whole dollars, $3,000 … $16,000 -------------------------------------------------------------------


@pytest.mark.parametrize("salary", [0, 2_999, 16_001, 99_999_999])
def test_a_salary_outside_the_nascar_range_is_refused_on_both_paths(salary):
    message = csv_problems(with_cell("salary", str(salary)))
    assert "row 6, column 'Salary'" in message and "$3,000 … $16,000" in message
    found = request_problems(request_body(with_cell("salary", str(salary))))
    assert list(found) == ["drivers.4.salary"] and "$3,000 … $16,000" in found["drivers.4.salary"]


@pytest.mark.parametrize("salary", [str(SALARY_MIN), str(SALARY_MAX), "$7,500", "7,500", "$7500"])
def test_a_salary_written_as_draftkings_writes_it_is_accepted(salary):
    expected = int(salary.replace("$", "").replace(",", ""))
    assert read_salaries(salary_csv(with_cell("salary", salary)))[4].salary == expected


@pytest.mark.parametrize("salary, says", [
    ("1e5", "is not a whole number"), ("7500.0", "is not a whole number"), ("7500.5", "is not a whole number"),
    ("9.5k", "is not a number"), ("75,00", "is not a whole number"), ("", "is not a number"),
])
def test_a_salary_not_written_in_whole_dollars_is_refused(salary, says):
    message = csv_problems(with_cell("salary", salary))
    assert f"row 6, column 'Salary': {salary!r} {says}" in message


@pytest.mark.parametrize("value", [True, "7500", 7500.0])
def test_an_inline_salary_is_a_json_integer(value):
    body = request_body()
    body["drivers"][4]["salary"] = value
    assert list(request_problems(body)) == ["drivers.4.salary"]


# -- starts: 1 … the number of drivers -------------------------------------------------------------------------


@pytest.mark.parametrize("start", [0, -1, 8, 999])
def test_a_start_outside_the_field_is_refused_on_both_paths(start):
    message = csv_problems(with_cell("start", str(start)))
    assert "row 6, column 'Start'" in message and "starting position" in message
    found = request_problems(request_body(with_cell("start", str(start))))
    assert "drivers.4.start" in found
    if start > 7:
        assert "beyond the field of 7 drivers" in message and "beyond the field of 7 drivers" in found["drivers.4.start"]


def test_a_start_from_a_grid_file_is_held_to_the_field_too():
    text = salary_csv().replace(",Start", "")
    text = "\n".join(line.rsplit(",", 1)[0] if i else line for i, line in enumerate(text.splitlines())) + "\n"
    grid = "ID,Start\n" + "\n".join(f"{i},{999 if n == 'Denny Hamlin' else p}" for n, i, _, p in DRIVERS)
    with pytest.raises(SlateError, match=r"grid file, driver 'Denny Hamlin': starting position 999 is beyond"):
        read_salaries(text, grid)


# -- nothing twice ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field, says", [("dk_id", "duplicate DK id 4030"), ("start", "duplicate starting position 4")])
def test_a_dk_id_or_start_given_twice_is_refused_on_both_paths(field, says):
    drivers = with_cell(field, DRIVERS[0][COLUMN[field][0]])
    assert f"row 6, column '{COLUMN[field][1]}': {says} (also row 2)" in csv_problems(drivers)
    found = request_problems(request_body(drivers))
    assert found == {f"drivers.4.{field}": f"{says} (also drivers.0)"}


def test_a_driver_named_twice_is_refused_on_both_paths_however_spelt():
    drivers = list(DRIVERS)
    drivers[4] = ("KYLE LARSON Jr.",) + DRIVERS[4][1:]
    assert "row 6, column 'Name': duplicate driver 'KYLE LARSON Jr.' (also row 2)" in csv_problems(drivers)
    assert list(request_problems(request_body(drivers))) == ["drivers.4.name"]


def test_an_alias_that_makes_two_inline_drivers_one_is_refused():
    body = request_body(aliases_csv="Name,Alias\nKyle Larson,Kyle Larsen\n")
    body["drivers"][4]["name"] = "Kyle Larsen"
    assert list(request_problems(body)) == ["drivers.4.name"]


# -- the slate as a whole -----------------------------------------------------------------------------------------


def test_a_slate_whose_cheapest_lineup_is_over_the_cap_is_refused_on_both_paths():
    rich = [(n, i, "12000", p) for n, i, _, p in DRIVERS]
    assert "salary file, column 'Salary': no lineup fits the $50,000 cap" in csv_problems(rich)
    assert "no lineup fits the $50,000 cap" in request_problems(request_body(rich))["drivers"]


def test_every_problem_is_reported_at_once_with_its_row_and_column():
    drivers = [list(d) for d in DRIVERS]
    drivers[0][1], drivers[1][2], drivers[2][3] = "0", "99999999", "999"
    message = csv_problems([tuple(d) for d in drivers])
    assert "row 2, column 'ID'" in message and "row 3, column 'Salary'" in message and "row 4, column 'Start'" in message


# -- the track type -----------------------------------------------------------------------------------------------


def test_an_unknown_track_type_names_the_field():
    assert race_problem("Phoenix Raceway", dt.date(2024, 11, 10), "moon")[0] == "track_type"
    assert race_problem("Moon Speedway", dt.date(2024, 11, 10), None)[0] == "track"
    assert race_problem("Moon Speedway", dt.date(2024, 11, 10), "road") is None
    assert race_problem("Phoenix Raceway", dt.date(2024, 11, 10), None) is None
    found = request_problems(request_body(race={"track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312,
                                                "track_type": "moon"}))
    assert list(found) == ["race.track_type"] and "unknown track type 'moon'" in found["race.track_type"]
    found = request_problems(request_body(race={"track": "Moon Speedway", "date": "2024-11-10", "laps": 312}))
    assert list(found) == ["race.track"]


def test_a_slate_with_an_unknown_track_type_is_a_slate_error():
    # A SlateError (a ValueError), which every reader of slates reports, never a bare error.
    with pytest.raises(SlateError, match="unknown track type 'moon'"):
        load_slate(salary_csv(), track="Phoenix Raceway", date=dt.date(2024, 11, 10), laps=312, track_type="moon")


# -- CSV cells ----------------------------------------------------------------------------------------------------


def test_a_hostile_name_is_written_as_text_a_spreadsheet_does_not_evaluate():
    drivers = list(DRIVERS)
    drivers[4] = ("=cmd|' /C calc'!A0",) + DRIVERS[4][1:]
    slate = load_slate(salary_csv(drivers), track="Phoenix Raceway", date=dt.date(2024, 11, 10), laps=312)
    text = salaries_csv(slate)
    hostile = next(line for line in text.splitlines() if "cmd" in line)
    cells = next(iter(__import__("csv").reader([hostile])))
    assert cells[1].startswith("'=cmd") and cells[2] == "'=cmd|' /C calc'!A0"
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    # It reads back, with the quote; every other name reads back as written.
    again = read_salaries(text)
    assert {e.name for e in again} == {e.name for e in slate.entries if "cmd" not in e.name} | {"'=cmd|' /C calc'!A0"}


def test_salaries_csv_round_trips_normal_names():
    slate = load_slate(salary_csv(), track="Phoenix Raceway", date=dt.date(2024, 11, 10), laps=312)
    again = Slate(slate.track, slate.date, slate.laps, read_salaries(salaries_csv(slate)))
    assert sorted(again.entries, key=lambda e: e.dk_id) == sorted(slate.entries, key=lambda e: e.dk_id)


# -- a request: decided at submit -----------------------------------------------------------------------------------


@pytest.mark.parametrize("portfolio, field, says", [
    ({"locks": ["Kyle Larson"], "excludes": ["kyle larson"]}, "portfolio.excludes.0", "both locked and excluded"),
    ({"locks": ["Kyle Larsen"]}, "portfolio.locks.0", "not on the slate; closest: 'Kyle Larson'"),
    ({"excludes": ["Nobody"]}, "portfolio.excludes.0", "not on the slate"),
    ({"driver_min_exposure": {"Nobody": 0.5}}, "portfolio.driver_min_exposure.Nobody", "not on the slate"),
    ({"driver_max_exposure": {"Nobody": 0.5}}, "portfolio.driver_max_exposure.Nobody", "not on the slate"),
    ({"min_salary": 50_001}, "portfolio.min_salary", "less than or equal to 50000"),
    ({"min_salary": 49_000, "excludes": ["Kyle Larson"]}, "portfolio.min_salary", "above the richest possible lineup"),
    ({"locks": ["Kyle Larson", "Christopher Bell", "Chase Elliott", "William Byron", "Denny Hamlin"]},
     "portfolio.locks", "over the $50,000 cap"),
    ({"locks": list("abcdefg")}, "portfolio.locks", "at most 6 items"),
    ({"excludes": ["Kyle Larson", "Joey Logano"]}, "portfolio.excludes", "excludes leave 5 drivers"),
    ({"max_exposure": 0.5, "n_lineups": 4}, "portfolio.max_exposure", "leaves room for 14 driver slots"),
    ({"locks": ["Kyle Larson"], "driver_max_exposure": {"Kyle Larson": 0.5}, "n_lineups": 2},
     "portfolio.locks.0", "locked, in every lineup"),
])
def test_controls_an_inline_slate_cannot_meet_are_refused_at_submit(portfolio, field, says):
    found = request_problems(request_body(portfolio=portfolio))
    assert list(found) == [field] and says in found[field], found


def test_locks_whose_salaries_alone_exceed_the_cap_say_so():
    drivers = [(n, i, "15000" if k < 4 else s, p) for k, (n, i, s, p) in enumerate(DRIVERS)]
    drivers += [(f"Cheap {k}", str(9000 + k), "3000", str(8 + k)) for k in range(4)]
    found = request_problems(request_body(drivers, portfolio={"locks": [d[0] for d in drivers[:4]]}))
    assert "salaries alone come to $60,000" in found["portfolio.locks"]


def test_a_lock_matches_an_inline_driver_as_the_run_matches_it():
    body = request_body(portfolio={"locks": ["kyle larson jr"], "excludes": ["CHRISTOPHER BELL"]})
    assert OptimizeRequest.model_validate(body).portfolio.locks == ["kyle larson jr"]
    aliased = request_body(aliases_csv="Name,Alias\nJoey Logano,Joseph Logano\n", portfolio={"locks": ["Joey Logano"]})
    aliased["drivers"][6]["name"] = "Joseph Logano"
    assert OptimizeRequest.model_validate(aliased)


def test_a_stored_slate_is_not_read_at_submit_but_conflicting_controls_are_refused():
    assert OptimizeRequest.model_validate({"slate_id": "x", "portfolio": {"locks": ["Anyone"]}})
    found = request_problems({"slate_id": "x", "portfolio": {"locks": ["A Driver"], "excludes": ["a driver"]}})
    assert list(found) == ["portfolio.excludes.0"]


@pytest.mark.parametrize("changes, field", [
    ({"portfolio": {"n_lineups": True}}, "portfolio.n_lineups"),
    ({"portfolio": {"n_lineups": "5"}}, "portfolio.n_lineups"),
    ({"portfolio": {"n_lineups": 1.0}}, "portfolio.n_lineups"),
    ({"portfolio": {"max_exposure": "0.5"}}, "portfolio.max_exposure"),
    ({"portfolio": {"max_exposure": True}}, "portfolio.max_exposure"),
    ({"portfolio": {"driver_max_exposure": {"Kyle Larson": True}}}, "portfolio.driver_max_exposure.Kyle Larson"),
    ({"portfolio": {"min_salary": "45000"}}, "portfolio.min_salary"),
    ({"scenario_config": {"n_scenarios": "500"}}, "scenario_config.n_scenarios"),
    ({"scenario_config": {"seed": True}}, "scenario_config.seed"),
    ({"contest": {"entry_fee": "20"}}, "contest.entry_fee"),
    ({"contest": {"entries": 1000.0}}, "contest.entries"),
    ({"strict_names": 1}, "strict_names"),
])
def test_numbers_are_json_numbers_of_their_kind(changes, field):
    race = {"race": {"track": "Phoenix Raceway", "date": "2024-11-10", "laps": True}}
    assert list(request_problems(request_body(**race))) == ["race.laps"]
    assert list(request_problems(request_body(**changes))) == [field]


def test_a_float_field_takes_a_json_integer_and_a_fraction():
    request = OptimizeRequest.model_validate(request_body(contest={"entry_fee": 20},
                                                         portfolio={"max_exposure": 0.9, "n_lineups": 10,
                                                                    "driver_max_exposure": {"Kyle Larson": 1}}))
    assert request.contest.entry_fee == 20.0 and request.portfolio.max_exposure == 0.9
    assert OptimizeRequest.model_validate(request.model_dump(mode="json")) == request
