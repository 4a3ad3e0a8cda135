"""Compile the solver's loops once, at install, so no job pays for it.

The loops in `pitwall/kernels.py` are numba functions cached beside their source (`cache=True`).
Until one has run, the first job to call it compiles it: seconds of a job's solve. This solves and
evaluates small made-up slates through the real code paths (`pitwall.exercise`), so every loop is
compiled for the argument types jobs use, and the cache holds them. Run by scripts/bootstrap.sh; a
second run only loads the cache.
"""

from __future__ import annotations

import time

from pitwall.exercise import exercise_all


def main() -> None:
    started = time.perf_counter()
    exercise_all()
    print(f"compile_kernels: the solver's loops are compiled and cached ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
