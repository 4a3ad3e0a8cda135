"""A player's projections through the REST API: the run meets them and says which drivers it left alone."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import inline_request, wait_for_status

pytestmark = pytest.mark.integration


def test_an_inline_run_takes_projections_and_lists_the_drivers_without_one(api: httpx.Client) -> None:
    request = inline_request()
    drivers = request["drivers"]
    rows = "\n".join(f"{d['name']},{10 + d['salary'] / 400:.1f}" for d in drivers[:-2])
    request["projections_csv"] = f"Name,Projection\n{rows}\n"
    run_id = api.post("/api/v1/optimize", json=request).json()["run_id"]
    job = wait_for_status(api, run_id, {"complete", "failed"}, timeout=180)
    assert job["status"] == "complete", job["error"]
    result = api.get(f"/api/v1/jobs/{run_id}/result").json()["result"]
    left_out = [w for w in result["warnings"] if w.startswith("no projection for")]
    assert len(left_out) == 1 and drivers[-1]["name"] in left_out[0] and drivers[-2]["name"] in left_out[0]
