"""A player's whole kit through the API, end to end: a slate uploaded as DraftKings' CSV, then a job with the
player's projections, ownership, a payout table, group and exposure rules and a DKEntries file of two contests.
The filled entries file comes back, every lineup in it keeps the rules, groups and exposures, and the field
the portfolio was judged against owns the drivers as the ownership file says."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from pitwall.dkentries import read_entries
from pitwall.rules import ROSTER_SIZE, SALARY_CAP
from tests.conftest import SAMPLE_SLATE, wait_for_status
from tests.dkentries_layout import dk_entries

pytestmark = pytest.mark.integration

OWNERSHIP = Path(__file__).parents[2] / "examples" / "sample-slate" / "ownership.csv"
RACE = {"track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312}
MAIN, SMALL = "171000001", "171000002"
FIRST_PRIZE = 150.0


def test_projections_ownership_payout_rules_and_an_entries_file_go_in_and_the_filled_file_comes_out(api):
    uploaded = api.post("/api/v1/slates", json={"salaries_csv": SAMPLE_SLATE.read_text(), **RACE})
    assert uploaded.status_code == 201, uploaded.text
    slate_id = uploaded.json()["slate_id"]
    with open(SAMPLE_SLATE, newline="") as handle:
        drivers = {row["Name"]: {"dk_id": int(row["ID"]), "salary": int(row["Salary"])} for row in csv.DictReader(handle)}
    by_salary = sorted(drivers, key=lambda name: -drivers[name]["salary"])
    dearest, cheap = by_salary[:3], by_salary[-1]
    # The player's projections: a point per $280 of salary, as a simple projection sheet would have it (about the
    # DK points a race hands out in all).
    projections = "Name,Projection\n" + "".join(f"{n},{d['salary'] / 280:.1f}\n" for n, d in drivers.items())
    players = [(name, d["dk_id"], d["salary"]) for name, d in drivers.items()]
    request = {
        "slate_id": slate_id,
        "projections_csv": projections,
        "ownership_csv": OWNERSHIP.read_text(),
        "entries_csv": dk_entries([(MAIN, "NASCAR $100K Sunday Million", "$3", 4),
                                   (SMALL, "NASCAR $1 Small Field", "$1", 2)], players),
        "contests": {SMALL: {"entries": 200, "payout": [{"first_place": 1, "last_place": 1, "prize": FIRST_PRIZE}]}},
        "scenario_config": {"n_scenarios": 2_000, "seed": 11},
        "portfolio": {"max_exposure": 0.5, "max_overlap": 4,
                      "groups": [{"drivers": dearest, "max": 1}],
                      "driver_max_exposure": {by_salary[3]: 0.25}, "driver_min_exposure": {cheap: 0.5}},
        "contest": {"entries": 10_000, "evaluation_scenarios": 500},
    }
    submitted = api.post("/api/v1/optimize", json=request)
    assert submitted.status_code == 202, submitted.text
    run_id = submitted.json()["run_id"]
    status = wait_for_status(api, run_id, {"complete", "failed"}, timeout=300)
    assert status["status"] == "complete", status

    filled = api.get(f"/api/v1/jobs/{run_id}/entries.csv")
    assert filled.status_code == 200, filled.text
    rows = list(csv.reader(io.StringIO(filled.text)))
    by_cell = {f"{name} ({d['dk_id']})": name for name, d in drivers.items()}
    per_contest: dict[str, list[list[str]]] = {MAIN: [], SMALL: []}
    for entry in read_entries(filled.text).entries:
        lineup = [by_cell[cell] for cell in rows[entry.line - 1][4:10]]
        assert len(set(lineup)) == ROSTER_SIZE
        assert sum(drivers[n]["salary"] for n in lineup) <= SALARY_CAP
        assert len(set(lineup) & set(dearest)) <= 1, lineup  # the group rule
        per_contest[entry.contest_id].append(lineup)
    assert {cid: len(lineups) for cid, lineups in per_contest.items()} == {MAIN: 4, SMALL: 2}
    for lineups in per_contest.values():
        assert len({frozenset(lineup) for lineup in lineups}) == len(lineups)  # distinct within a contest
        held = lambda name: sum(name in lineup for lineup in lineups)  # noqa: E731
        assert held(cheap) >= 0.5 * len(lineups)  # min exposure
        assert held(by_salary[3]) <= 0.25 * len(lineups)  # his own max exposure
        assert all(held(name) <= 0.5 * len(lineups) for name in drivers if name != cheap)

    result = api.get(f"/api/v1/jobs/{run_id}/result").json()["result"]
    main, small = result["entry_contests"]
    assert small["metrics"]["contest"]["first_prize"] == FIRST_PRIZE and small["metrics"]["contest"]["paid_places"] == 1
    field = main["metrics"]["field"]
    assert field["style"] == "ownership" and field["lineups"] == 10_000 - 4
    wanted = {line.split(",")[0]: float(line.split(",")[1]) / 100 for line in OWNERSHIP.read_text().splitlines()[1:]}
    gaps = {name: abs(field["ownership"].get(name, 0.0) - share) for name, share in wanted.items()}
    assert max(gaps.values()) < 0.02, sorted(gaps.items(), key=lambda kv: -kv[1])[:3]
    # The projections were met: each lineup's simulated mean is the sum of its drivers' projections.
    for lineup in result["lineups"]:
        given = sum(round(drivers[name]["salary"] / 280, 1) for name in lineup["drivers"])
        assert lineup["projection"] == pytest.approx(given, abs=3.0)
