"""The stores: the Redis job store (`pitwall.stores.jobs`) and the Neo4j graph store (`pitwall.stores.graph`).

Light on purpose: what a command line option needs before a store is opened lives here, so that `pitwall
optimize`, which opens none, does not import a store's client library at start-up.
"""

# Result rows per write transaction when seeding the graph.
DEFAULT_BATCH_SIZE = 2_000
