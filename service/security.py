"""Who may write: API keys in `X-API-Key` on every write endpoint, and a rate limit per key.

With no keys configured the API is open, as the local stack runs it. Keys are compared in constant time
and never logged or echoed; a bucket is known by the position of its key in the settings, not by the key.
"""

from __future__ import annotations

import hmac
import math
import time
from collections.abc import Callable, Sequence

from fastapi import HTTPException, Request, Security
from fastapi.security import APIKeyHeader
from pydantic import SecretStr

from service.limits import require_json
from service.schemas import ErrorBody

API_KEY_HEADER = "X-API-Key"

_header = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False,
    description="Needed on write endpoints when the server has keys configured (PITWALL_API_KEYS)",
)

# What a write can meet before its handler runs.
WRITE_RESPONSES: dict[int | str, dict] = {
    400: {"model": ErrorBody, "description": "The body could not be read as text (JSON must be UTF-8)"},
    401: {"model": ErrorBody, "description": "No X-API-Key header, and the server requires one"},
    403: {"model": ErrorBody, "description": "The X-API-Key is not one the server knows"},
    413: {"model": ErrorBody, "description": "The request body is over PITWALL_MAX_BODY_BYTES"},
    415: {"model": ErrorBody, "description": "The body is not sent as Content-Type: application/json"},
    429: {
        "model": ErrorBody,
        "description": "This key's rate limit is spent",
        "headers": {"Retry-After": {"description": "seconds until the next write is allowed",
                                    "schema": {"type": "integer"}}},
    },
}


def match_key(presented: str, keys: Sequence[SecretStr]) -> int | None:
    """Index of the configured key equal to `presented`, or None.

    Every key is compared, with hmac.compare_digest on bytes, so the time taken tells neither which key
    nor how much of one matched (compare_digest refuses non-ASCII str, hence bytes).
    """
    given = presented.encode()
    found = None
    for index, key in enumerate(keys):
        if hmac.compare_digest(given, key.get_secret_value().encode()) and found is None:
            found = index
    return found


class TokenBucket:
    """`per_minute` writes in a burst, refilled evenly over the minute."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.tokens = self.capacity
        self.stamp = clock()

    def take(self) -> float:
        """0 when a token was taken; else how many seconds until one is there."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class WriteGuard:
    def __init__(self, keys: Sequence[SecretStr], per_minute: int):
        self.keys = list(keys)
        # One bucket per configured key, so memory is bounded by the settings, not by what clients send.
        self.buckets = [TokenBucket(per_minute) for _ in self.keys]

    def check(self, presented: str | None) -> None:
        if not self.keys:
            return
        if not presented:
            raise HTTPException(status_code=401, detail=f"this endpoint needs an API key in the {API_KEY_HEADER} header")
        index = match_key(presented, self.keys)
        if index is None:
            raise HTTPException(status_code=403, detail="API key not recognised")
        wait = self.buckets[index].take()
        if wait > 0:
            raise HTTPException(
                status_code=429, detail="rate limit reached for this API key; retry later",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )


async def write_access(request: Request, api_key: str | None = Security(_header)) -> None:
    """Dependency of every write route: the key first (when the server has keys), then a JSON body.

    Every write endpoint takes JSON; the key is checked first, so a client without one learns nothing else.
    """
    request.app.state.guard.check(api_key)
    await require_json(request)
