"""The stack's Neo4j compiles its JIT code at the lowest priority, so a job's solve does not share its cores
with the compiler threads (scripts/stack.sh, lower_jit_priority)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import stack

pytestmark = pytest.mark.integration


def _nice(stat: Path) -> int:
    """The nice value in a /proc stat file (its 19th field; the name before it may hold spaces)."""
    return int(stat.read_text().rsplit(")", 1)[1].split()[16])


def _threads(pid: int) -> dict[str, list[int]]:
    """Thread name (digits stripped) → the nice value of each thread of that name."""
    out: dict[str, list[int]] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip().rstrip("0123456789# ")
            nice = _nice(task / "stat")
        except OSError:  # a thread that ended meanwhile
            continue
        out.setdefault(name, []).append(nice)
    return out


def test_neo4j_compiler_threads_run_at_nice_19_and_its_other_threads_as_started():
    pid = int(re.search(r"neo4j\s+running \(pid (\d+)\)", stack("status")).group(1))
    threads = _threads(pid)
    compilers = [nice for name, nices in threads.items() if "CompilerThre" in name for nice in nices]
    assert compilers and set(compilers) == {19}, threads
    # The rest keep the priority the JVM was started with (0, unless the stack was started niced).
    started_at = _nice(Path(f"/proc/{pid}/stat"))
    others = [nice for name, nices in threads.items() if "CompilerThre" not in name for nice in nices]
    assert set(others) == {started_at}, threads
