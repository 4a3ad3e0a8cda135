"""The stores a task talks to, built from settings for the duration of one call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pitwall.settings import get_settings
from pitwall.stores.errors import CredentialsRefused, StoreUnavailable
from pitwall.stores.graph import GraphStore
from pitwall.stores.jobs import JobStore


@contextmanager
def graph_store() -> Iterator[GraphStore]:
    store = GraphStore.from_settings(get_settings())
    try:
        yield store
    finally:
        store.close()


@contextmanager
def job_store() -> Iterator[JobStore]:
    store = JobStore.from_settings(get_settings())
    try:
        yield store
    finally:
        store.close()


def _transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only what a retry can mend: a store that did not answer, not a bad slate or request, nor a
    store that refuses the password."""
    try:
        state.result()
    except CredentialsRefused:
        return False
    except StoreUnavailable:
        return True
    except Exception:
        return False
    return False


# Redis and Neo4j outages are transient: retry before failing the run, so a store restarted mid-run costs
# time, not the run (delays from settings: PITWALL_STORE_RETRY_DELAYS).
# Read when the task modules are imported, on purpose: Prefect fixes a task's retries and delays when the
# Task is built (a callable retry_delay_seconds is called then too), so the alternative is `.with_options`
# at every call site, where a caller that forgets it silently loses the retries. Each flow run is a process
# of its own and get_settings() is cached for the process anyway, so reading later would change nothing.
_DELAYS = get_settings().store_retry_delays
STORE_RETRIES: dict[str, Any] = dict(retries=len(_DELAYS), retry_delay_seconds=_DELAYS, retry_condition_fn=_transient)
