"""The Redis job store on the test stack's real Redis: atomic transitions, retention, idempotency, listing."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest

from pitwall.jobs import JobStatus
from pitwall.settings import Settings
from pitwall.stores.errors import StoreUnavailable
from pitwall.stores.jobs import IdempotencyConflict, IllegalTransition, JobNotFound, JobStore

pytestmark = pytest.mark.integration


@pytest.fixture
def store() -> Iterator[JobStore]:
    # A prefix of its own: these records never mix with the API's jobs.
    settings = Settings(key_prefix=f"pitwall-test:{uuid.uuid4().hex[:8]}", job_retention_seconds=600)
    jobs = JobStore.from_settings(settings)
    yield jobs
    for key in jobs.client.scan_iter(f"{settings.key_prefix}:*"):
        jobs.client.delete(key)
    jobs.close()


def test_a_job_moves_through_its_states_and_only_finished_jobs_expire(store: JobStore) -> None:
    job, created = store.create({"slate_id": "s"})
    assert created and job.status is JobStatus.pending and store.ttl(job.run_id) == -1
    assert store.transition(job.run_id, JobStatus.running, flow_run_id="f-1")
    assert store.set_progress(job.run_id, "simulate", 0.4)
    running = store.get(job.run_id)
    assert (running.status, running.stage, running.progress, running.flow_run_id) == (
        JobStatus.running, "simulate", 0.4, "f-1")
    assert store.ttl(job.run_id) == -1

    assert store.complete(job.run_id, {"lineups": [[1, 2, 3, 4, 5, 6]]})
    assert store.result(job.run_id) == {"lineups": [[1, 2, 3, 4, 5, 6]]}
    assert 0 < store.ttl(job.run_id) <= 600
    with pytest.raises(IllegalTransition):
        store.transition(job.run_id, JobStatus.running)
    assert not store.set_progress(job.run_id, "late", 0.9)  # a finished job's stage stays as it ended
    assert store.get(job.run_id).stage == "done"


def test_a_retried_failed_job_runs_again_and_loses_its_expiry(store: JobStore) -> None:
    job, _ = store.create({"slate_id": "s"})
    store.transition(job.run_id, JobStatus.running)
    store.transition(job.run_id, JobStatus.failed, error="neo4j unavailable")
    assert store.ttl(job.run_id) > 0 and store.get(job.run_id).error == "neo4j unavailable"
    store.transition(job.run_id, JobStatus.running)
    retried = store.get(job.run_id)
    assert retried.status is JobStatus.running and retried.error is None and retried.finished_at is None
    assert store.ttl(job.run_id) == -1


def test_concurrent_transitions_have_exactly_one_winner(store: JobStore) -> None:
    for _ in range(20):
        job, _ = store.create({"slate_id": "s"})
        store.transition(job.run_id, JobStatus.running)
        outcomes: list[str] = []
        barrier = threading.Barrier(2)

        def move(target: JobStatus) -> None:
            barrier.wait()
            try:
                store.transition(job.run_id, target, error="x" if target is JobStatus.failed else None)
                outcomes.append(target.value)
            except IllegalTransition:
                outcomes.append("refused")

        threads = [threading.Thread(target=move, args=(t,)) for t in (JobStatus.failed, JobStatus.cancelled)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes).count("refused") == 1, outcomes
        assert store.get(job.run_id).status.value in outcomes


def test_an_idempotency_key_returns_the_same_job_and_refuses_another_request(store: JobStore) -> None:
    first, created = store.create({"slate_id": "a"}, idempotency_key="k")
    again, created_again = store.create({"slate_id": "a"}, idempotency_key="k")
    assert created and not created_again and again.run_id == first.run_id
    with pytest.raises(IdempotencyConflict):
        store.create({"slate_id": "b"}, idempotency_key="k")
    store.release_idempotency_key("k", first.run_id)
    fresh, created_fresh = store.create({"slate_id": "a"}, idempotency_key="k")
    assert created_fresh and fresh.run_id != first.run_id


def test_jobs_list_newest_first_by_status_and_forget_expired_ones(store: JobStore) -> None:
    ids = [store.create({"slate_id": str(i)})[0].run_id for i in range(4)]
    store.transition(ids[1], JobStatus.running)
    assert [j.run_id for j in store.list()] == ids[::-1]
    assert [j.run_id for j in store.list(status=JobStatus.running)] == [ids[1]]
    assert [j.run_id for j in store.list(status=JobStatus.pending)] == [ids[3], ids[2], ids[0]]
    store.client.delete(store._job_key(ids[2]))  # as retention would
    assert ids[2] not in [j.run_id for j in store.list()]
    assert store.client.zscore(f"{store.prefix}:jobs", ids[2]) is None


def test_unknown_jobs_and_a_dead_redis_are_errors_of_their_own() -> None:
    with pytest.raises(JobNotFound):
        store = JobStore.from_settings(Settings(key_prefix=f"pitwall-test:{uuid.uuid4().hex[:8]}"))
        try:
            store.transition("nope", JobStatus.running)
        finally:
            store.close()
    dead = JobStore.from_settings(Settings(redis_url="redis://127.0.0.1:9/0", redis_timeout_seconds=0.5, redis_retries=0))
    with pytest.raises(StoreUnavailable) as raised:
        dead.get("any")
    assert raised.value.store == "redis"
