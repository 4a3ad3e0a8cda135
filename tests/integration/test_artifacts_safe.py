"""A run's Prefect artifacts show hostile names as text: a real job through the API, artifacts read from Prefect.

A driver named like a markdown link and a track named like an HTML element go in through the REST API as an
inline slate; once the job completes, every artifact the run published is read back from the Prefect API
and must hold those names only escaped (no live link, no element), while the job's JSON result keeps them as
they were sent (it is data, not markup).
"""

from __future__ import annotations

import json
import time

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

from pitwall.text import escape_markdown
from tests.conftest import inline_request, wait_for_status

pytestmark = pytest.mark.integration

LINK = "[click me](javascript:alert(1))"
IMG = "<img src=x onerror=alert(1)>"


def _artifacts(flow_run_id: str) -> list:
    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )


def _progress_ends_done(artifacts: list, flow_run_id: str) -> None:
    """The progress bar moves from a thread of its own after the job completes: it ends at 100, stage done."""
    deadline = time.monotonic() + 30
    while True:
        progress = [a for a in artifacts if a.type == "progress"]
        if progress and progress[0].data == 100 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
        artifacts = _artifacts(flow_run_id)
    assert [(a.data, a.description) for a in progress] == [(100, "stage: done")]


def test_hostile_names_reach_the_artifacts_escaped(api: httpx.Client) -> None:
    body = inline_request()
    body["drivers"][0]["name"] = LINK
    body["race"] = {"track": IMG, "track_type": "short", "date": "2024-11-10", "laps": 312}
    body["portfolio"]["locks"] = [LINK]  # in every lineup, so in every table
    submitted = api.post("/api/v1/optimize", json=body)
    assert submitted.status_code == 202, submitted.text
    run_id = submitted.json()["run_id"]

    job = wait_for_status(api, run_id, {"complete", "failed"}, timeout=180)
    assert job["status"] == "complete", job
    result = api.get(f"/api/v1/jobs/{run_id}/result").json()["result"]
    assert result["slate"]["track"] == IMG  # the API returns the data as it was sent

    artifacts = _artifacts(job["flow_run_id"])
    _progress_ends_done(artifacts, job["flow_run_id"])
    by_key = {a.key.rsplit("-", 1)[0] if a.key else a.type: a for a in artifacts}
    assert {"portfolio", "exposures", "contest"} <= by_key.keys(), [a.key for a in artifacts]

    for artifact in artifacts:
        text = (artifact.data if isinstance(artifact.data, str) else json.dumps(artifact.data)) + (artifact.description or "")
        assert "](javascript:" not in text, f"{artifact.key}: {text[:500]}"
        assert "<img" not in text.lower(), f"{artifact.key}: {text[:500]}"

    contest = by_key["contest"].data
    assert contest.splitlines()[0].startswith(f"# Portfolio for {escape_markdown(IMG)} (")
    exposures = json.loads(by_key["exposures"].data)
    drivers = {row["driver"] for row in exposures}
    assert escape_markdown(LINK) in drivers, "the hostile driver should be in the portfolio, escaped"
    assert LINK not in drivers
    portfolio = json.loads(by_key["portfolio"].data)
    assert any(escape_markdown(LINK) in row["drivers"] for row in portfolio)
