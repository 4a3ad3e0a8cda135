"""Impossible slates are refused at the door, on both paths, with a 422 naming row (or driver), column and
rule: nothing stored, no job created, never a 500.

The upload (`POST /api/v1/slates`) gets the sample DraftKings CSV with one defect each; the optimize
endpoint gets the sample slate inline with the same defects, and the controls a run could only fail on."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from tests.conftest import SAMPLE_SLATE, inline_request

pytestmark = pytest.mark.integration

RACE = {"track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312}
ROW = 5  # the driver given the defect: CSV row 7 (after the header), drivers.5 inline
CSV_ROW = ROW + 2
FIRST = 0  # another driver, whose DK id or start the defect repeats


def _sample_rows() -> tuple[list[str], list[dict[str, str]]]:
    with open(SAMPLE_SLATE, newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _csv_with(column: str, value: str) -> str:
    header, rows = _sample_rows()
    rows[ROW][column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _first(column: str) -> str:
    return _sample_rows()[1][FIRST][column]


# (CSV column, cell, inline field, inline value, what the message says)
DEFECTS = [
    ("ID", "0", "dk_id", 0, "outside 1 … 2,147,483,647"),
    ("ID", str(2**63 + 1), "dk_id", 2**63 + 1, "outside 1 … 2,147,483,647"),
    ("ID", str(2**31), "dk_id", 2**31, "outside 1 … 2,147,483,647"),
    ("Salary", "0", "salary", 0, "$3,000 … $16,000"),
    ("Salary", "99999999", "salary", 99_999_999, "$3,000 … $16,000"),
    ("Start", "999", "start", 999, "beyond the field of 40 drivers"),
    ("Start", "0", "start", 0, "below 1"),
]
IDS = ["dk-id-0", "dk-id-2^63", "dk-id-2^31", "salary-0", "salary-99999999", "start-999", "start-0"]


def _slates(api: httpx.Client) -> list[dict]:
    response = api.get("/api/v1/slates", params={"limit": 500})
    assert response.status_code == 200, response.text
    return response.json()["slates"]


def _jobs(api: httpx.Client) -> list[str]:
    response = api.get("/api/v1/jobs", params={"limit": 500})
    assert response.status_code == 200, response.text
    return [job["run_id"] for job in response.json()["jobs"]]


def _refused_upload(api: httpx.Client, body: dict, field: str, *says: str) -> None:
    before = _slates(api)
    response = api.post("/api/v1/slates", json=body)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["detail"] == "invalid slate"
    assert any(e["field"] == field and all(s in e["message"] for s in says) for e in answer["errors"]), answer
    assert _slates(api) == before  # nothing stored


def _refused_submit(api: httpx.Client, body: dict, field: str, *says: str) -> None:
    before = _jobs(api)
    response = api.post("/api/v1/optimize", json=body)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["detail"] == "invalid request"
    assert any(e["field"] == field and all(s in e["message"] for s in says) for e in answer["errors"]), answer
    assert _jobs(api) == before  # no job


@pytest.mark.parametrize("column, cell, field, value, says", DEFECTS, ids=IDS)
def test_an_upload_with_an_impossible_row_is_422_and_stores_nothing(api, column, cell, field, value, says):
    body = {"salaries_csv": _csv_with(column, cell), **RACE}
    _refused_upload(api, body, "salaries_csv", f"row {CSV_ROW}, column '{column}'", says)


@pytest.mark.parametrize("cell, says", [("1e5", "not a whole number"), ("9.5k", "not a number"),
                                        ("10500.5", "not a whole number")])
def test_an_upload_with_a_salary_not_in_whole_dollars_is_422(api, cell, says):
    body = {"salaries_csv": _csv_with("Salary", cell), **RACE}
    _refused_upload(api, body, "salaries_csv", f"row {CSV_ROW}, column 'Salary'", says)


@pytest.mark.parametrize("column, says", [("ID", "duplicate DK id"), ("Start", "duplicate starting position")])
def test_an_upload_with_a_repeated_dk_id_or_start_is_422(api, column, says):
    body = {"salaries_csv": _csv_with(column, _first(column)), **RACE}
    _refused_upload(api, body, "salaries_csv", f"row {CSV_ROW}, column '{column}'", says, f"also row {FIRST + 2}")


def test_an_upload_with_an_unknown_track_type_is_422_naming_the_field(api):
    body = {"salaries_csv": SAMPLE_SLATE.read_text(), **RACE, "track_type": "moon"}
    _refused_upload(api, body, "track_type", "unknown track type 'moon'")


def test_an_upload_with_a_bool_for_laps_is_422(api):
    before = _slates(api)
    response = api.post("/api/v1/slates", json={"salaries_csv": SAMPLE_SLATE.read_text(), **RACE, "laps": True})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "laps"
    assert _slates(api) == before


def test_a_salary_written_as_dollars_is_still_accepted(api):
    body = {"salaries_csv": _csv_with("Salary", "$7,500"), **RACE, "date": "2031-01-05"}
    response = api.post("/api/v1/slates", json=body)
    assert response.status_code == 201, response.text
    drivers = response.json()["drivers"]
    assert 7500 in {d["salary"] for d in drivers}


@pytest.mark.parametrize("column, cell, field, value, says", DEFECTS, ids=IDS)
def test_an_inline_slate_with_an_impossible_driver_is_422_and_creates_no_job(api, column, cell, field, value, says):
    body = inline_request()
    body["drivers"][ROW][field] = value
    _refused_submit(api, body, f"drivers.{ROW}.{field}", says)


@pytest.mark.parametrize("field, says", [("dk_id", "duplicate DK id"), ("start", "duplicate starting position")])
def test_an_inline_slate_with_a_repeated_dk_id_or_start_is_422(api, field, says):
    body = inline_request()
    body["drivers"][ROW][field] = body["drivers"][FIRST][field]
    _refused_submit(api, body, f"drivers.{ROW}.{field}", says, f"also drivers.{FIRST}")


def test_an_inline_slate_with_an_unknown_track_type_is_422(api):
    body = inline_request()
    body["race"]["track_type"] = "moon"
    _refused_submit(api, body, "race.track_type", "unknown track type 'moon'")


@pytest.mark.parametrize("portfolio, field, says", [
    ({"locks": ["Ryan Blaney"], "excludes": ["Ryan Blaney"]}, "portfolio.excludes.0", "both locked and excluded"),
    ({"locks": ["Nobody At All"]}, "portfolio.locks.0", "not on the slate"),
    ({"excludes": ["Nobody At All"]}, "portfolio.excludes.0", "not on the slate"),
    ({"driver_max_exposure": {"Nobody At All": 0.5}}, "portfolio.driver_max_exposure.Nobody At All", "not on the slate"),
    ({"min_salary": 60_000}, "portfolio.min_salary", "50000"),
    ({"n_lineups": True}, "portfolio.n_lineups", "valid integer"),
    ({"n_lineups": "5"}, "portfolio.n_lineups", "valid integer"),
    ({"n_lineups": 1.0}, "portfolio.n_lineups", "valid integer"),
])
def test_an_inline_request_its_run_could_only_fail_is_422(api, portfolio, field, says):
    body = inline_request()
    body["portfolio"] = {**body["portfolio"], **portfolio}
    _refused_submit(api, body, field, says)


def test_locks_over_the_cap_are_422(api):
    body = inline_request()
    richest = sorted(body["drivers"], key=lambda d: -d["salary"])[:5]
    body["portfolio"] = {**body["portfolio"], "locks": [d["name"] for d in richest]}
    _refused_submit(api, body, "portfolio.locks", "over the $50,000 cap")


def test_an_entry_fee_given_as_an_integer_is_still_accepted(api):
    body = inline_request()
    body["contest"] = {"entry_fee": 20}
    response = api.post("/api/v1/optimize", json=body)
    assert response.status_code == 202, response.text
