"""Which failures a flow task's store retries wait out: an outage, not a refused password or a bad request."""

from __future__ import annotations

import pytest

from pitwall.stores.errors import CredentialsRefused, StoreUnavailable
from tasks.stores import _transient


class _State:
    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def result(self) -> None:
        if self.error is not None:
            raise self.error


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (StoreUnavailable("neo4j", "ping at bolt://127.0.0.1:7687: ServiceUnavailable"), True),
        (StoreUnavailable("redis", "ConnectionError: Connection refused"), True),
        (CredentialsRefused("redis", "refuses the credentials, check PITWALL_REDIS_PASSWORD"), False),
        (CredentialsRefused("neo4j", "refuses the credentials, check PITWALL_NEO4J_PASSWORD"), False),
        (ValueError("unknown slate"), False),
        (None, False),
    ],
    ids=["neo4j down", "redis down", "redis refuses", "neo4j refuses", "bad request", "success"],
)
def test_only_a_store_that_does_not_answer_is_retried(error: Exception | None, retried: bool) -> None:
    assert _transient(None, None, _State(error)) is retried
