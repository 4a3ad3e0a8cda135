"""Hands accepted jobs to Prefect, at the pace the server takes them.

A submission is accepted once its job is in Redis; creating the flow run happens here, after the 202.
A burst of submissions then costs each submitter one Redis write, and the Prefect server sees a few
creations at a time instead of hundreds at once. The job record is the only state: a job that is
pending with no flow run still needs one, so jobs whose dispatch this process never finished (it
restarted, or died) are found again by the reconcile sweep, in this API process or another.
Dispatching a job twice is harmless: the run id is the flow run's idempotency key. Each try is
flows/submit.py's `dispatch`, the same one the upcoming-slates flow makes for its jobs.

Submitters come first. Creating a flow run costs the API's event loop about as much as answering a
submission, so while submissions are being answered the dispatcher waits (SubmissionsFirst counts them),
never longer than `hold_seconds` after a job was queued: a burst is answered at the pace of its
submissions alone, and its flow runs are created right after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator

from starlette.types import ASGIApp, Receive, Scope, Send

from flows.submit import dispatch
from pitwall.stores.errors import StoreUnavailable
from pitwall.stores.jobs import JobStore
from service.orchestrator import Orchestrator, OrchestratorUnavailable

log = logging.getLogger("pitwall.dispatch")

FIRST_RETRY_SECONDS = 1.0
LAST_RETRY_SECONDS = 30.0


class Dispatcher:
    def __init__(self, store: JobStore, orchestrator: Orchestrator, *, concurrency: int, hold_seconds: float) -> None:
        self.store = store
        self.orchestrator = orchestrator
        self.concurrency = concurrency
        self.hold_seconds = hold_seconds
        self._queue: asyncio.Queue[tuple[str, float]] = asyncio.Queue()
        self._waiting: set[str] = set()
        self._submissions = 0
        self._no_submissions = asyncio.Event()
        self._no_submissions.set()

    def enqueue(self, run_id: str) -> None:
        """Queue a job for its flow run, once per process however often it is asked."""
        if run_id not in self._waiting:
            self._waiting.add(run_id)
            self._queue.put_nowait((run_id, time.monotonic()))

    @contextlib.contextmanager
    def submission(self) -> Iterator[None]:
        """A submission being answered: flow runs wait until none is (at most `hold_seconds`)."""
        self._submissions += 1
        self._no_submissions.clear()
        try:
            yield
        finally:
            self._submissions -= 1
            if not self._submissions:
                self._no_submissions.set()

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            for _ in range(self.concurrency):
                group.create_task(self._work())

    async def _work(self) -> None:
        while True:
            run_id, queued_at = await self._queue.get()
            try:
                await self._after_submissions(queued_at)
                await self._dispatch(run_id)
            finally:
                self._waiting.discard(run_id)

    async def _after_submissions(self, queued_at: float) -> None:
        held = self.hold_seconds - (time.monotonic() - queued_at)
        if held > 0 and not self._no_submissions.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._no_submissions.wait(), held)

    async def _dispatch(self, run_id: str) -> None:
        """Create the job's flow run and record it, retrying until both are done.

        An outage of Prefect or Redis only delays the job: it stays pending, as the client sees it.
        """
        delay = FIRST_RETRY_SECONDS
        while True:
            try:
                await dispatch(self.store, self.orchestrator, run_id)
                return
            except (OrchestratorUnavailable, StoreUnavailable) as exc:
                log.warning("job %s waits for its flow run (next try in %.0f s): %s", run_id, delay, exc)
            except Exception:  # one bad job must not stop the dispatcher; the sweep offers it again
                log.exception("job %s could not be dispatched", run_id)
                return
            await asyncio.sleep(delay)
            delay = min(2 * delay, LAST_RETRY_SECONDS)


class SubmissionsFirst:
    """ASGI middleware: each submission (POST /api/v1/optimize) counts, from its first byte to its
    answer, as one the dispatcher waits for; every other request passes untouched."""

    PATH = "/api/v1/optimize"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        submitting = scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == self.PATH
        # The lifespan makes the dispatcher before the first request; without a lifespan there is none.
        dispatcher: Dispatcher | None = getattr(scope["app"].state, "dispatcher", None) if submitting else None
        with dispatcher.submission() if dispatcher else contextlib.nullcontext():
            await self.app(scope, receive, send)
