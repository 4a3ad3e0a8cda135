"""A DKEntries.csv through the API: an inline slate and an entries file with two contests run to complete,
the filled file comes back from GET /api/v1/jobs/{run_id}/entries.csv, and every lineup in it is legal,
distinct within its contest, as many as the contest's entries, under one exposure limit across both."""

from __future__ import annotations

import csv
import io
import math

import pytest

from pitwall.dkentries import read_entries
from pitwall.rules import ROSTER_SIZE, SALARY_CAP
from tests.conftest import inline_request, wait_for_status
from tests.dkentries_layout import dk_entries

pytestmark = pytest.mark.integration

MAIN, SINGLE = "170000001", "170000002"
MAX_EXPOSURE = 0.4


def _request() -> dict:
    request = inline_request()
    players = [(d["name"], d["dk_id"], d["salary"]) for d in request["drivers"]]
    request["entries_csv"] = dk_entries([(MAIN, "NASCAR $50K Sunday Special", "$5", 5),
                                         (SINGLE, "NASCAR $3 Pit Stop, Single Entry", "$0.25", 3)], players)
    request["scenario_config"] = {"n_scenarios": 1_000, "seed": 3}
    request["portfolio"] = {"max_exposure": MAX_EXPOSURE}
    request["exposure_across_contests"] = True
    request["contest"] = {"evaluation_scenarios": 500}
    request["contests"] = {SINGLE: {"entries": 400, "payout": [{"first_place": 1, "last_place": 80, "prize": 1}]}}
    return request


def test_an_entries_file_with_two_contests_comes_back_filled_and_every_lineup_keeps_the_rules(api):
    request = _request()
    submitted = api.post("/api/v1/optimize", json=request)
    assert submitted.status_code == 202, submitted.text
    run_id = submitted.json()["run_id"]
    status = wait_for_status(api, run_id, {"complete", "failed"}, timeout=240)
    assert status["status"] == "complete", status

    response = api.get(f"/api/v1/jobs/{run_id}/entries.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    filled = response.text
    sent = request["entries_csv"]
    # Every line but the entry rows comes back as it went, CRLF endings included.
    assert [line for line in filled.split("\r\n") if not line[:1].isdigit()] == \
        [line for line in sent.split("\r\n") if not line[:1].isdigit()]

    drivers = {f"{d['name']} ({d['dk_id']})": d for d in request["drivers"]}
    rows = list(csv.reader(io.StringIO(filled)))
    entries = read_entries(filled)
    assert entries.contests == read_entries(sent).contests
    lineups: dict[str, set[frozenset[int]]] = {MAIN: set(), SINGLE: set()}
    counts: dict[int, int] = {}
    for entry in entries.entries:
        chosen = [drivers[cell] for cell in rows[entry.line - 1][4:10]]  # every cell a slate driver's Name (ID)
        ids = frozenset(d["dk_id"] for d in chosen)
        assert len(ids) == ROSTER_SIZE
        assert sum(d["salary"] for d in chosen) <= SALARY_CAP
        lineups[entry.contest_id].add(ids)
        for dk_id in ids:
            counts[dk_id] = counts.get(dk_id, 0) + 1
    assert {cid: len(held) for cid, held in lineups.items()} == {MAIN: 5, SINGLE: 3}  # distinct, one per entry
    assert max(counts.values()) <= math.floor(MAX_EXPOSURE * 8)  # over both contests' 8 lineups

    result = api.get(f"/api/v1/jobs/{run_id}/result").json()["result"]
    assert result["entries_csv"] == filled
    contests = result["entry_contests"]
    assert [(c["contest_id"], c["entries"], c["entry_fee"], len(c["lineups"])) for c in contests] == [
        (MAIN, 10_000, 5.0, 5), (SINGLE, 400, 0.25, 3)]
    assert contests[1]["metrics"]["contest"] == {"entries": 400, "entry_fee": 0.25, "first_prize": 1.0,
                                                 "paid_places": 80, "prize_pool": 80.0}
    assert len(result["lineups"]) == 8
    by_entry = {lineup["entry_id"]: lineup for lineup in result["lineups"]}
    for entry in entries.entries:
        assert by_entry[entry.entry_id]["contest_id"] == entry.contest_id
        assert sorted(by_entry[entry.entry_id]["dk_ids"]) == sorted(
            drivers[cell]["dk_id"] for cell in rows[entry.line - 1][4:10])

    # An unknown job is a 404, as on the other result endpoints.
    assert api.get("/api/v1/jobs/no-such-run/entries.csv").status_code == 404


def test_a_bad_entries_file_or_one_of_another_slate_is_a_422_naming_it(api):
    request = _request()
    request["entries_csv"] = request["entries_csv"].replace(",$0.25,", ",$0.50,", 1)
    refused = api.post("/api/v1/optimize", json=request)
    assert refused.status_code == 422, refused.text
    messages = [e["message"] for e in refused.json()["errors"] if e["field"] == "entries_csv"]
    assert any("column D (Entry Fee): contest 170000002 costs $0.5 on line" in m for m in messages), messages

    request = _request()
    request["drivers"][0]["dk_id"] = 99_999_999
    refused = api.post("/api/v1/optimize", json=request)
    assert refused.status_code == 422, refused.text
    fields = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert "the file is of another slate" in fields["entries_csv"], fields
