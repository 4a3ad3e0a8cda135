"""State hooks that mirror a flow run's state into its job record in Redis.

Prefect swallows a hook's exceptions and runs none if the machine dies, so these are best effort:
the API's reconciler repairs whatever they miss by asking the Prefect API.
"""

from __future__ import annotations

from prefect import get_run_logger
from prefect.client.schemas.objects import Flow, FlowRun
from prefect.states import State

from pitwall.jobs import JobStatus, status_for_run_state
from pitwall.stores.errors import StoreUnavailable
from pitwall.stores.jobs import IllegalTransition, JobNotFound
from tasks.stores import job_store


def mirror_state(flow: Flow, flow_run: FlowRun, state: State) -> None:
    run_id = flow_run.parameters.get("run_id")
    target = status_for_run_state(state.type.value)
    # Only the persist task completes a job, together with its result: a completed run has nothing to mirror.
    if not run_id or target in (None, JobStatus.pending, JobStatus.complete):
        return
    error = (state.message or f"flow run {state.name.lower()}") if target.finished else None
    try:
        with job_store() as store:
            store.transition(run_id, target, error=error, flow_run_id=str(flow_run.id))
    except (IllegalTransition, JobNotFound, StoreUnavailable) as exc:
        try:
            get_run_logger().warning("job %s not moved to %s: %s", run_id, target.value, exc)
        except Exception:  # no run context in some hook phases; the reconciler will catch up
            pass
