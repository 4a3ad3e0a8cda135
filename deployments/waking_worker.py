"""Prefect's process worker, woken the moment a flow run of its pool is scheduled.

    python deployments/preload_worker.py --pool pitwall [--name NAME] [--limit N] [--with-healthcheck]

A worker finds new flow runs by polling the server (every PREFECT_WORKER_QUERY_SECONDS, 1 s on the stack),
so a job submitted through the API waited half a poll on average, and up to a whole one, before its flow
run was submitted: the largest of Prefect's steps before a flow's first task (`bench/latency.py`'s "worker
poll"). The server publishes every flow run's state changes as events; this worker also listens to them and
polls as soon as a run of its pool is scheduled, whoever scheduled it (the API, a schedule, an operator's
retry in the UI). Its own polling goes on beside the stream, so a stream that drops (the server restarting)
costs only the wait it saves; two polls that find the same run submit it once, as the worker keeps the runs
it is submitting.

The worker is Prefect's own ProcessWorker, built as `prefect worker start --type process` builds it, from
the options pitwall's stack and compose file give it. deployments/preload_worker.py runs it once its fork
server is up.

A first SIGTERM or SIGINT stops the wake, waits for the flow runs in flight (the worker's child processes
other than the fork server) to end, then stops the worker: at once when none is running. The worker's own
polls go on meanwhile, so a run scheduled in that wait may still be taken and waited for. A second signal
stops it at once, and the runs in flight with it. Prefect's own handlers, which `prefect worker start` sets,
turn a SIGTERM into a SIGINT, which a script's background job (scripts/stack.sh starts the worker so)
ignores: they never stopped it, and the stack killed it after a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import signal
import sys
import time
from pathlib import Path

# After the event stream drops: how long the worker polls alone before subscribing again.
RESUBSCRIBE_SECONDS = 5.0


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} pitwall worker [{os.getpid()}]: {message}", file=sys.stderr, flush=True)


def options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="preload_worker.py", description="pitwall's Prefect process worker")
    parser.add_argument("--pool", "-p", required=True, help="the work pool to take flow runs from")
    parser.add_argument("--name", "-n", help="the worker's name (Prefect makes one up without it)")
    parser.add_argument("--limit", "-l", type=int, help="the most flow runs at once")
    parser.add_argument("--with-healthcheck", action="store_true", help="serve Prefect's worker health check")
    return parser.parse_args(argv)


def run(chosen: argparse.Namespace, *, fork_server: int | None = None) -> None:
    """Run the worker until a signal stops it."""
    from prefect.settings import PREFECT_WORKER_HEARTBEAT_SECONDS, PREFECT_WORKER_PREFETCH_SECONDS
    from prefect.workers.process import ProcessWorker

    worker = ProcessWorker(
        name=chosen.name, work_pool_name=chosen.pool, limit=chosen.limit,
        prefetch_seconds=PREFECT_WORKER_PREFETCH_SECONDS.value(),
        heartbeat_interval_seconds=int(PREFECT_WORKER_HEARTBEAT_SECONDS.value()),
    )
    say = functools.partial(print, flush=True)  # the stack waits for the worker's "started" in its log file

    async def work() -> None:
        waking = asyncio.create_task(wake_on_scheduled_runs(worker, chosen.pool))
        stop_on_signals(asyncio.current_task(), waking, spare={fork_server})
        try:
            await worker.start(with_healthcheck=chosen.with_healthcheck, printer=say)
        finally:
            waking.cancel()

    try:
        asyncio.run(work())
    except (KeyboardInterrupt, asyncio.CancelledError):
        say(f"Worker {worker.name!r} stopped!")


def stop_on_signals(main: asyncio.Task, waking: asyncio.Task, *, spare: set[int | None]) -> None:
    """SIGTERM or SIGINT: stop waking, cancel `main` once no child process but `spare` is left; again: now."""
    loop = asyncio.get_running_loop()
    draining: list[asyncio.Task] = []

    async def drain() -> None:
        waking.cancel()
        said = False
        while runs := [pid for pid in children(os.getpid()) if pid not in spare]:
            if not said:
                log(f"stopping once the flow runs in flight end, {len(runs)} now (a second signal stops at once)")
                said = True
            await asyncio.sleep(0.2)
        main.cancel()

    def on_signal() -> None:
        if draining:
            main.cancel()
        else:
            draining.append(loop.create_task(drain()))

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal)


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


async def wake_on_scheduled_runs(worker, pool: str) -> None:
    """Poll for the pool's flow runs whenever the server reports one of them scheduled."""
    from prefect.events.clients import get_events_subscriber
    from prefect.events.filters import EventFilter, EventNameFilter

    due = asyncio.Event()
    flow_run_events = EventFilter(event=EventNameFilter(prefix=["prefect.flow-run."]))

    async def listen() -> None:
        while True:
            try:
                async with get_events_subscriber(filter=flow_run_events) as events:
                    async for event in events:
                        if scheduled_in(event, pool):
                            due.set()
            except Exception as exc:  # the server restarting, a dropped socket: the worker's own polls go on
                log(f"flow run events: {type(exc).__name__}: {exc}; polling alone for {RESUBSCRIBE_SECONDS:.0f} s")
            await asyncio.sleep(RESUBSCRIBE_SECONDS)

    async def poll() -> None:
        while True:
            await due.wait()
            # Runs scheduled while this poll is under way are found by the next one.
            due.clear()
            try:
                await worker.get_and_submit_flow_runs()
            except Exception as exc:  # as the worker's own poll, a failed one is only a missed chance
                log(f"polling on a scheduled run: {type(exc).__name__}: {exc}")

    await asyncio.gather(listen(), poll())


def scheduled_in(event, pool: str) -> bool:
    """A flow run event that put a run of this pool in a scheduled state (Scheduled, AwaitingRetry, Late, …)."""
    state = event.payload.get("validated_state") or {}
    return state.get("type") == "SCHEDULED" and any(
        related.role == "work-pool" and related.get("prefect.resource.name") == pool for related in event.related
    )
