"""The calibration's read of the results history from Neo4j: a record per result against a record per race,
side by side in the same run.

    .venv/bin/python bench/history_read.py [--rounds 7] [--port-base 58000] [--stack-dir DIR]   # a Neo4j of its own
    eval "$(scripts/stack.sh exports)" && .venv/bin/python bench/history_read.py --running          # the running one

`rows` is how the flow's calibrate task read its history before: `GraphStore.results_before` (every result a
record of ~25 fields, which the driver decodes value by value) and `History.from_rows` (every row parsed by
`pitwall.results.parse_row`). `races` is how it reads it now: `GraphStore.races_before` (one aggregated query,
a record per race holding a list per driver of the columns a History keeps) and `History.from_races` (a race's
columns checked at once). Each case is timed both ways in alternation, `--rounds` times after one untimed
round each (the server plans each query once), and the two histories are compared column by column.

Cases: every Cup result before the demo slate's race (Phoenix, 2024-11-10), what every job of that slate
reads; the same before 2021-05-09 (a smaller history); and the other-series races of three drivers new to
Cup, the newcomer prior's read.

Without --running the script starts Neo4j alone through scripts/stack.sh (Bolt on base+687, folder
bench/out/history-stack), seeds it with `pitwall seed`, and always stops it with `stack.sh stop neo4j`, by
its pid. Prints figures and writes them to bench/out/history_read.{md,json}; asserts no timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from portfolio_common import table, write  # noqa: E402

from pitwall.history import History  # noqa: E402
from pitwall.settings import Settings  # noqa: E402
from pitwall.stores.graph import GraphStore  # noqa: E402

STACK_DIR = ROOT / "bench/out/history-stack"
DEMO = dt.date(2024, 11, 10)
# Drivers with Truck or O'Reilly races before the demo date: the reads a slate with three newcomers adds.
NEWCOMERS = ("Corey Heim", "Sammy Smith", "Chandler Smith")


def by_rows(store: GraphStore, case: dict) -> tuple[History, float]:
    began = time.perf_counter()
    if case["names"]:
        rows = store.other_series_results(case["names"], case["before"], series="Cup")
    else:
        rows = store.results_before(case["before"], series="Cup")
    read = time.perf_counter() - began
    return History.from_rows(rows), read


def by_races(store: GraphStore, case: dict) -> tuple[History, float]:
    began = time.perf_counter()
    if case["names"]:
        races = store.other_series_races(case["names"], case["before"], series="Cup")
    else:
        races = store.races_before(case["before"], series="Cup")
    read = time.perf_counter() - began
    return History.from_races(races), read


def same(a: History, b: History) -> bool:
    for name, column in vars(a).items():
        other = getattr(b, name)
        if isinstance(column, np.ndarray):
            if column.dtype != other.dtype or not np.array_equal(column, other, equal_nan=column.dtype.kind == "f"):
                return False
        elif name != "_results" and column != other:
            return False
    return True


def timed(read, store: GraphStore, case: dict) -> tuple[History, float, float]:
    began = time.perf_counter()
    history, read_seconds = read(store, case)
    return history, time.perf_counter() - began, read_seconds


def measure(store: GraphStore, rounds: int) -> list[dict]:
    cases = [
        {"name": f"Cup before {DEMO} (the demo slate)", "before": DEMO, "names": ()},
        {"name": "Cup before 2021-05-09", "before": dt.date(2021, 5, 9), "names": ()},
        {"name": f"other series of {len(NEWCOMERS)} newcomers before {DEMO}", "before": DEMO, "names": NEWCOMERS},
    ]
    out = []
    for case in cases:
        old, _, _ = timed(by_rows, store, case)  # untimed: plans the query, warms the page cache
        new, _, _ = timed(by_races, store, case)
        olds, news = [], []
        for _ in range(rounds):
            olds.append(timed(by_rows, store, case)[1:])
            news.append(timed(by_races, store, case)[1:])
        out.append({
            "case": case["name"], "results": len(old), "races": len(old.races), "identical": same(old, new),
            "rows_seconds": [t for t, _ in olds], "rows_read_seconds": [r for _, r in olds],
            "races_seconds": [t for t, _ in news], "races_read_seconds": [r for _, r in news],
        })
        m = out[-1]
        print(f"{case['name']}: rows {statistics.median(m['rows_seconds']):.3f} s, races "
              f"{statistics.median(m['races_seconds']):.3f} s, identical {m['identical']}", flush=True)
    return out


def report(cases: list[dict], rounds: int) -> str:
    rows = []
    for m in cases:
        old, new = statistics.median(m["rows_seconds"]), statistics.median(m["races_seconds"])
        rows.append([m["case"], f"{m['results']:,} / {m['races']}",
                     f"{old:.3f} ({statistics.median(m['rows_read_seconds']):.3f})",
                     f"{new:.3f} ({statistics.median(m['races_read_seconds']):.3f})",
                     f"{old / new:.1f}×", "yes" if m["identical"] else "NO"])
    return "\n".join([
        f"History read from Neo4j, median of {rounds} alternating rounds; seconds to a History (of which the read)",
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end",
        "",
        table(["case", "results / races", "rows: a record per result", "races: a record per race", "ratio",
               "same History"], rows),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--running", action="store_true", help="read the Neo4j of PITWALL_NEO4J_URI (seeded)")
    parser.add_argument("--port-base", type=int, default=58000, help="Bolt on base+687 (without --running)")
    parser.add_argument("--stack-dir", type=Path, default=STACK_DIR, help="Neo4j's folder (without --running)")
    args = parser.parse_args()

    own = None
    if not args.running:
        own = {k: v for k, v in os.environ.items() if not k.startswith(("PITWALL_", "PREFECT_"))}
        own.update(PITWALL_STACK_DIR=str(args.stack_dir.resolve()), PITWALL_NEO4J_BOLT_PORT=str(args.port_base + 687))
    try:
        if own is not None:
            print(f"starting Neo4j on {args.port_base + 687} ({args.stack_dir}) and seeding it", flush=True)
            subprocess.run(["bash", str(ROOT / "scripts/stack.sh"), "start", "neo4j"], env=own, check=True,
                           capture_output=True, timeout=900)
            own["PITWALL_NEO4J_URI"] = f"bolt://127.0.0.1:{args.port_base + 687}"
            subprocess.run([str(ROOT / ".venv/bin/pitwall"), "seed"], env=own, check=True, capture_output=True)
            os.environ["PITWALL_NEO4J_URI"] = own["PITWALL_NEO4J_URI"]
        with GraphStore.from_settings(Settings()) as store:
            cases = measure(store, args.rounds)
    finally:
        if own is not None:
            subprocess.run(["bash", str(ROOT / "scripts/stack.sh"), "stop", "neo4j"], env=own, timeout=300)
    text = report(cases, args.rounds)
    print(text)
    write("history_read", text, cases)


if __name__ == "__main__":
    main()
