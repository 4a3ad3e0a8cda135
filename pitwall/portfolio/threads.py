"""The solver's thread pool: chunked work on every core, in a fixed chunk order.

Apart because the stages that use it (the screen, scoring the pool) only say how to cut
their work; whether it runs on one thread or several must never change a result.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

# Threads for the chunked stages: the compiled loops and BLAS release the GIL, so chunks on
# every core run side by side; each writes only its own slice, so results do not depend on it.
THREADS = os.cpu_count() or 1


def _chunks(count: int, size: int) -> Iterator[slice]:
    return (slice(start, min(start + size, count)) for start in range(0, count, size))


@functools.cache
def _threads() -> ThreadPoolExecutor:
    # One pool for the process: selection hands it work at every pick, too often to start threads each time.
    return ThreadPoolExecutor(THREADS, thread_name_prefix="pitwall-portfolio")


def _in_threads(work: Callable[[slice], object], chunks: Iterable[slice]) -> list:
    """`work` on each chunk, on every core; results in chunk order."""
    chunks = list(chunks)
    if THREADS == 1 or len(chunks) == 1:
        return [work(at) for at in chunks]
    return list(_threads().map(work, chunks))


def release() -> None:
    """End the pool's threads, if it has any: a process about to fork must hold no Python thread (a fork
    copies the locks they hold, not them). The next chunked stage starts a new pool."""
    if _threads.cache_info().currsize:
        _threads().shutdown(wait=True)
        _threads.cache_clear()
