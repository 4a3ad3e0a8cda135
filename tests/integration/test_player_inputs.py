"""The user's own contest and rules through the API: an inline request with a payout table and a group rule
runs to complete, every lineup keeps the group, and the contest it was judged in is the one posted."""

from __future__ import annotations

import pytest

from tests.conftest import inline_request, wait_for_status

pytestmark = pytest.mark.integration

ENTRIES = 200
ENTRY_FEE = 5.0
FIRST_PRIZE = 900.0  # one paid place: winner takes all, 10% rake


def test_an_inline_request_with_a_payout_table_and_a_group_rule_completes_keeping_both(api):
    request = inline_request()
    dearest = [d["name"] for d in sorted(request["drivers"], key=lambda d: -d["salary"])[:4]]
    request["scenario_config"] = {"n_scenarios": 1_000, "seed": 3}
    request["portfolio"] = {"n_lineups": 5, "groups": [{"drivers": dearest, "max": 1}]}
    request["contest"] = {
        "entries": ENTRIES, "entry_fee": ENTRY_FEE, "evaluation_scenarios": 1_000,
        "payout": [{"first_place": 1, "last_place": 1, "prize": FIRST_PRIZE}],
    }
    submitted = api.post("/api/v1/optimize", json=request)
    assert submitted.status_code == 202, submitted.text
    run_id = submitted.json()["run_id"]
    status = wait_for_status(api, run_id, {"complete", "failed"}, timeout=180)
    assert status["status"] == "complete", status
    result = api.get(f"/api/v1/jobs/{run_id}/result").json()["result"]

    assert len(result["lineups"]) == 5
    for lineup in result["lineups"]:
        assert len(set(lineup["drivers"]) & set(dearest)) <= 1, lineup["drivers"]

    metrics = result["metrics"]
    assert metrics["contest"] == {"entries": ENTRIES, "entry_fee": ENTRY_FEE, "first_prize": FIRST_PRIZE,
                                  "paid_places": 1, "prize_pool": FIRST_PRIZE}
    # Only first place pays: a lineup cashes exactly when it wins (a typical GPP of 200 pays 44 places, so
    # its cash rate would be far above its win rate), and no lineup earns more than the first prize.
    assert metrics["cash_rate"] == metrics["win_rate"]
    assert metrics["roi"] <= metrics["win_rate"] * FIRST_PRIZE / ENTRY_FEE - 1 + 1e-3
    for lineup in result["lineups"]:
        assert lineup["cash_rate"] == lineup["win_rate"]


def _run_ids(api) -> list[str]:
    response = api.get("/api/v1/jobs", params={"limit": 500})
    assert response.status_code == 200, response.text
    return [job["run_id"] for job in response.json()["jobs"]]


def test_a_bad_payout_table_or_an_impossible_group_is_a_422_and_no_job(api):
    request = inline_request()
    request["contest"] = {"entries": 200, "entry_fee": 5,
                          "payout": [{"first_place": 1, "last_place": 1, "prize": 100},
                                     {"first_place": 3, "last_place": 9, "prize": 10}]}
    request["portfolio"] = {"n_lineups": 3, "excludes": ["Kyle Larson"],
                            "groups": [{"drivers": ["Kyle Larson", "Nobody Atall"], "min": 2}]}
    before = _run_ids(api)
    refused = api.post("/api/v1/optimize", json=request)
    assert refused.status_code == 422, refused.text
    fields = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert "missing" in fields["contest.payout"], fields
    assert any(field.startswith("portfolio.groups.0") for field in fields), fields
    assert _run_ids(api) == before  # no job
