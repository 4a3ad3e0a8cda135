"""The `optimize-slate` flow: one job from its request in Redis to its portfolio in Redis."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.hooks import mirror_state
from tasks.jobs import persist_result, report_stage, start_job

_HOOKS = [mirror_state]


@flow(
    name="optimize-slate",
    flow_run_name="optimize-{run_id}",
    on_running=_HOOKS,
    on_completion=_HOOKS,
    on_failure=_HOOKS,
    on_crashed=_HOOKS,
    on_cancellation=_HOOKS,
)
def optimize_slate(run_id: str) -> dict[str, Any]:
    request = start_job(run_id)
    report_stage(run_id, "load-slate", 0.05)
    if request.get("slate_id"):
        raise LookupError(f"slate {request['slate_id']!r}: stored slates are not wired into the flow yet")
    # PLACEHOLDER until the simulation engine and the portfolio solver are wired in: the flow
    # returns the slate's drivers and no lineups, and says so in the result.
    result = {"placeholder": True, "drivers": [d["name"] for d in request["drivers"]], "lineups": []}
    persist_result(run_id, result)
    return {"run_id": run_id, "lineups": 0}
