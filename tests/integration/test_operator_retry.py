"""An operator retries a failed flow run through the Prefect client, as the UI's Retry does, and the job
follows it: failed -> running -> complete.

The failure is a real one, caused and removed from outside: the job names a slate that is not stored yet,
so the flow fails on `unknown slate`; the operator uploads that slate through the API and retries the run.
Slate ids are content addressed, so the id the upload will get is known before the upload.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.states import AwaitingRetry

from pitwall.settings import Settings
from pitwall.slate import load_slate
from pitwall.slate_identity import slate_id_for
from pitwall.stores.graph import GraphStore
from tests.conftest import ROOT, wait_for_status, wait_until

pytestmark = pytest.mark.integration

RACE = {"track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312}


def late_slate_csv() -> str:
    # The sample slate without its last entry: content no other test submits, so no other run stores it.
    lines = (ROOT / "examples/sample-slate/DKSalaries.csv").read_text().splitlines()
    return "\n".join(lines[:-1]) + "\n"


@pytest.fixture
def graph() -> Iterator[GraphStore]:
    store = GraphStore.from_settings(Settings())
    yield store
    store.close()


def forget_slate(graph: GraphStore, slate_id: str) -> None:
    """Remove the slate, its entries and the runs recorded on it: the next run of this test must fail again."""
    graph._write(
        "test cleanup",
        lambda tx: tx.run(
            """
            MATCH (s:Slate {slate_id: $slate_id})
            OPTIONAL MATCH (s)-[:HAS_ENTRY]->(e:Entry)
            OPTIONAL MATCH (run:Run)-[:ON]->(s)
            OPTIONAL MATCH (run)-[:CHOSE]->(l:Lineup)
            DETACH DELETE l, run, e, s
            """,
            slate_id=slate_id,
        ).consume(),
    )


@pytest.fixture
def late_slate(graph: GraphStore) -> Iterator[tuple[str, str]]:
    """The CSV of a slate not in the graph, and the id its upload will get; removed again afterwards."""
    text = late_slate_csv()
    slate = load_slate(text, track=RACE["track"], date=dt.date.fromisoformat(RACE["date"]), laps=RACE["laps"])
    slate_id = slate_id_for(slate)
    forget_slate(graph, slate_id)  # a run of this test that died half-way may have left it behind
    assert graph.get_slate(slate_id) is None
    yield text, slate_id
    forget_slate(graph, slate_id)


def flow_run(flow_run_id: str):
    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(flow_run_id))


def test_an_operator_retry_moves_a_failed_job_through_running_to_complete(api, late_slate):
    csv_text, slate_id = late_slate
    assert os.environ.get("PREFECT_API_URL"), "the Prefect client needs the test stack's PREFECT_API_URL"

    submitted = api.post("/api/v1/optimize", json={
        "slate_id": slate_id, "scenario_config": {"n_scenarios": 500}, "portfolio": {"n_lineups": 3},
    })
    assert submitted.status_code == 202, submitted.text
    run_id = submitted.json()["run_id"]
    failed = wait_for_status(api, run_id, {"failed", "complete"}, timeout=120)
    assert failed["status"] == "failed" and slate_id in failed["error"], failed
    assert api.get(f"/api/v1/jobs/{run_id}/result").status_code == 409
    assert flow_run(failed["flow_run_id"]).state.type.value == "FAILED"

    uploaded = api.post("/api/v1/slates", json={"salaries_csv": csv_text, **RACE})
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["slate_id"] == slate_id, "the upload got the id the job named"

    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(failed["flow_run_id"]), AwaitingRetry(), force=True)

    seen: list[str] = []

    def finished() -> dict | None:
        job = api.get(f"/api/v1/jobs/{run_id}").json()
        if not seen or seen[-1] != job["status"]:
            seen.append(job["status"])
        return job if job["status"] in {"complete", "cancelled"} or (job["status"] == "failed" and len(seen) > 1) else None

    done = wait_until(finished, timeout=150, every=0.25, what=f"job {run_id} to finish its retried run")
    assert done["status"] == "complete", (seen, done)
    # The store refuses failed -> complete, so a complete job went through running again; the record shows it
    # started anew after the failure, and its error is gone.
    assert dt.datetime.fromisoformat(done["started_at"]) > dt.datetime.fromisoformat(failed["finished_at"])
    assert done["error"] is None and done["flow_run_id"] == failed["flow_run_id"]
    assert seen == ["failed", "running", "complete"], seen

    result = api.get(f"/api/v1/jobs/{run_id}/result")
    assert result.status_code == 200 and result.json()["run_id"] == run_id
    # The job completes with its result a moment before the flow run itself reaches its final state.
    retried = wait_until(lambda: (r := flow_run(failed["flow_run_id"])).state.is_final() and r,
                         timeout=30, what="the retried flow run to finish")
    assert retried.state.type.value == "COMPLETED" and retried.run_count >= 2, "the same flow run ran again"
