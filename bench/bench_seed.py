"""Benchmark: seed the bundled 2019–2024 results into a Neo4j and print how long it took.

    PITWALL_NEO4J_URI=bolt://127.0.0.1:7687 python bench/bench_seed.py [--batch-size N ...] [--repeat K]

The target is the whole file in at most 60 s on the local stack. This prints figures and
asserts nothing: the first pass creates the graph (or finds it already seeded), later passes
show what an idempotent re-seed costs. Point it at a graph you do not mind being seeded.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

from pitwall.settings import Settings
from pitwall.stores.errors import StoreUnavailable
from pitwall.stores.graph import BUNDLED_RESULTS, DEFAULT_BATCH_SIZE, GraphStore

TARGET_SECONDS = 60.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uri", help="Bolt URI (default: PITWALL_NEO4J_URI)")
    parser.add_argument("--data", type=Path, default=BUNDLED_RESULTS, help="results CSV (default: the bundled file)")
    parser.add_argument("--batch-size", type=int, nargs="+", default=[DEFAULT_BATCH_SIZE])
    parser.add_argument("--repeat", type=int, default=2, help="passes per batch size (default 2)")
    args = parser.parse_args(argv)

    settings = Settings()
    if args.uri:
        settings = settings.model_copy(update={"neo4j_uri": args.uri})
    store = GraphStore.from_settings(settings, retry_seconds=30.0)
    try:
        store.ping()
        before = store.counts()
        print(f"neo4j {settings.neo4j_uri}  python {platform.python_version()}  data {args.data}")
        print(f"graph before: Result {before['Result']}, Race {before['Race']}, Driver {before['Driver']}")
        print(f"{'batch':>6} {'pass':>4} {'rows':>7} {'rejected':>8} {'seconds':>8} {'rows/s':>8}  target")
        for batch_size in args.batch_size:
            for attempt in range(1, args.repeat + 1):
                started = time.perf_counter()
                report = store.seed(args.data, batch_size=batch_size)
                seconds = time.perf_counter() - started
                verdict = "within" if seconds <= TARGET_SECONDS else "OVER"
                print(
                    f"{batch_size:>6} {attempt:>4} {report.rows_read:>7} {len(report.rejected):>8} "
                    f"{seconds:>8.2f} {report.rows_read / seconds:>8.0f}  {verdict} {TARGET_SECONDS:.0f} s"
                )
        after = store.counts()
        print("graph after: " + ", ".join(f"{k} {v}" for k, v in after.items()))
    except StoreUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
