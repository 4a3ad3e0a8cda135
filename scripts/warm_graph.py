"""Runs every query a job runs against the stack's graph (`GraphStore.warm_up`), so the first job after
`scripts/stack.sh up` does not pay for a fresh Neo4j compiling them. Best effort: exit 0 either way, with
one line saying what happened (a graph not seeded yet is warmed all the same)."""

from pitwall.settings import get_settings
from pitwall.stores.errors import StoreUnavailable
from pitwall.stores.graph import GraphStore

try:
    with GraphStore.from_settings(get_settings()) as graph:
        print(f"neo4j    queries warmed in {graph.warm_up():.1f} s")
except StoreUnavailable as exc:
    print(f"neo4j    not warmed ({exc}): the first job compiles its queries")
