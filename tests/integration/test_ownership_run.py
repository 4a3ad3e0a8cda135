"""A player's ownership through the API: the field the portfolio is judged against owns each driver as the file
says, the result reports each lineup's ownership product and field duplicates, and a bad file is a 422."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.conftest import inline_request, wait_for_status

pytestmark = pytest.mark.integration

OWNERSHIP = Path(__file__).parents[2] / "examples" / "sample-slate" / "ownership.csv"


def test_the_evaluation_field_owns_the_slate_as_the_ownership_file_says(api):
    text = OWNERSHIP.read_text()
    request = inline_request()
    request["ownership_csv"] = text
    request["scenario_config"] = {"n_scenarios": 1_000, "seed": 5}
    request["portfolio"] = {"n_lineups": 5}
    request["contest"] = {"entries": 10_000, "entry_fee": 20, "evaluation_scenarios": 500}
    submitted = api.post("/api/v1/optimize", json=request)
    assert submitted.status_code == 202, submitted.text
    run_id = submitted.json()["run_id"]
    status = wait_for_status(api, run_id, {"complete", "failed"}, timeout=240)
    assert status["status"] == "complete", status
    result = api.get(f"/api/v1/jobs/{run_id}/result").json()["result"]

    field = result["metrics"]["field"]
    assert field["style"] == "ownership" and field["lineups"] == 9_995
    assert result["solver"]["field"]["style"] == "ownership"
    wanted = {line.split(",")[0]: float(line.split(",")[1]) / 100 for line in text.splitlines()[1:]}
    gaps = {name: abs(field["ownership"].get(name, 0.0) - share) for name, share in wanted.items()}
    assert max(gaps.values()) < 0.02, sorted(gaps.items(), key=lambda kv: -kv[1])[:3]
    assert result["warnings"] == []
    for lineup in result["lineups"]:
        product = math.prod(field["ownership"].get(name, 0.0) for name in lineup["drivers"])
        assert lineup["ownership_product"] == pytest.approx(product, rel=1e-2, abs=1e-9)
        assert lineup["field_duplicates"] >= 0


def test_a_bad_ownership_file_is_a_422_naming_its_rows_and_no_job(api):
    request = inline_request()
    request["ownership_csv"] = "Name,Ownership\nKyle Larson,lots\nNobody Atall,12\n"
    before = api.get("/api/v1/jobs", params={"limit": 500}).json()["jobs"]
    response = api.post("/api/v1/optimize", json=request)
    assert response.status_code == 422, response.text
    text = response.text
    assert "ownership_csv" in text and "row 2, column 'Ownership'" in text and "row 3, column 'Name'" in text
    assert api.get("/api/v1/jobs", params={"limit": 500}).json()["jobs"] == before
