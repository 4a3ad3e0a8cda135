"""Errors every store raises, whatever backend sits behind it."""


class StoreUnavailable(Exception):
    """A backing store (Redis, Neo4j) did not answer; the API maps this to 503."""

    def __init__(self, store: str, reason: str):
        super().__init__(f"{store} unavailable: {reason}")
        self.store = store
        self.reason = reason


class CredentialsRefused(StoreUnavailable):
    """The store answers but refuses pitwall's user or password: not an outage, a retry gets the same."""
