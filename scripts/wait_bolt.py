"""Exit 0 once a Neo4j server at URI answers a query on Bolt, 1 otherwise (one attempt; the caller polls)."""

import sys

from neo4j import GraphDatabase
from neo4j.exceptions import DriverError, Neo4jError

uri = sys.argv[1]
try:
    # connection_acquisition_timeout bounds the Bolt handshake too: a silent listener would otherwise hang.
    with GraphDatabase.driver(uri, connection_timeout=2.0, connection_acquisition_timeout=3.0) as driver:
        driver.execute_query("RETURN 1")
except (DriverError, Neo4jError, OSError):
    sys.exit(1)
