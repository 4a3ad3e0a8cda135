"""How a job's state may move, and what a Prefect flow run's state means for it."""

from __future__ import annotations

import pytest
from prefect.client.schemas.objects import StateType

from pitwall.jobs import ALLOWED_FROM, FINISHED, JobStatus, status_for_run_state
from pitwall.stores.jobs import fingerprint


def moves() -> set[tuple[JobStatus, JobStatus]]:
    return {(source, target) for target, sources in ALLOWED_FROM.items() for source in sources}


def test_every_status_has_a_rule():
    assert set(ALLOWED_FROM) == set(JobStatus)


def test_the_lifecycle_is_exactly_the_designed_one():
    # pending -> running -> complete | failed | cancelled, a pending job may fail or be cancelled before it
    # runs, and an operator's retry brings a failed job back to running. Anything else is a design change.
    assert moves() == {
        (JobStatus.pending, JobStatus.running),
        (JobStatus.running, JobStatus.complete),
        (JobStatus.running, JobStatus.failed),
        (JobStatus.running, JobStatus.cancelled),
        (JobStatus.pending, JobStatus.failed),
        (JobStatus.pending, JobStatus.cancelled),
        (JobStatus.failed, JobStatus.running),
    }


def test_nothing_goes_back_to_pending():
    assert ALLOWED_FROM[JobStatus.pending] == frozenset()


def test_a_result_is_only_stored_by_a_running_job():
    # Complete from pending or failed would mean a portfolio no run produced in this attempt.
    assert ALLOWED_FROM[JobStatus.complete] == {JobStatus.running}


@pytest.mark.parametrize("final", [JobStatus.complete, JobStatus.cancelled])
def test_complete_and_cancelled_are_final(final):
    assert not any(source is final for source, _ in moves())


def test_finished_is_the_three_end_states():
    assert FINISHED == {JobStatus.complete, JobStatus.failed, JobStatus.cancelled}
    assert [s for s in JobStatus if s.finished] == [JobStatus.complete, JobStatus.failed, JobStatus.cancelled]


@pytest.mark.parametrize(
    "state_type, status",
    [
        ("SCHEDULED", JobStatus.pending),
        ("PENDING", JobStatus.pending),
        ("RUNNING", JobStatus.running),
        ("COMPLETED", JobStatus.complete),
        ("FAILED", JobStatus.failed),
        ("CRASHED", JobStatus.failed),
        ("CANCELLING", JobStatus.cancelled),
        ("CANCELLED", JobStatus.cancelled),
        ("PAUSED", None),
    ],
)
def test_a_run_state_means_a_job_status(state_type, status):
    assert status_for_run_state(state_type) is status


def test_run_states_are_read_whatever_their_case():
    assert status_for_run_state("crashed") is JobStatus.failed
    assert status_for_run_state("Running") is JobStatus.running


def test_an_unknown_run_state_implies_nothing():
    assert status_for_run_state("REBOOTING") is None
    assert status_for_run_state("") is None


def test_every_prefect_state_type_is_accounted_for():
    # A state type Prefect adds later must be a decision, not a job the reconciler silently never moves.
    implies_nothing = {"PAUSED"}
    unmapped = {t.value for t in StateType if status_for_run_state(t.value) is None}
    assert unmapped == implies_nothing


def test_the_idempotency_fingerprint_ignores_key_order_but_not_values():
    request = {"slate_id": "test", "scenario_config": {"n_scenarios": 100, "seed": 7}}
    reordered = {"scenario_config": {"seed": 7, "n_scenarios": 100}, "slate_id": "test"}
    assert fingerprint(request) == fingerprint(reordered)
    assert fingerprint(request) != fingerprint({**request, "slate_id": "other"})
