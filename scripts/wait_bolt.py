"""Exit 0 once a Neo4j server at URI answers a query on Bolt, 1 otherwise (one attempt; the caller polls).

With PITWALL_NEO4J_PASSWORD set (authentication on), the query runs as PITWALL_NEO4J_USER (default neo4j)
with that password. A graph started for the first time has only the user neo4j, password neo4j, which must
be changed before anything else: this sets it to PITWALL_NEO4J_PASSWORD (and creates PITWALL_NEO4J_USER if it
is another name), so the local stack needs no admin tool and the password never goes on a command line.
Exit 3 when the server refuses both: the graph was given another password, and polling will not help.
"""

import os
import sys

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, DriverError, Neo4jError

uri = sys.argv[1]
password = os.environ.get("PITWALL_NEO4J_PASSWORD") or None
user = os.environ.get("PITWALL_NEO4J_USER") or "neo4j"
INITIAL = ("neo4j", "neo4j")


def driver(auth):
    # connection_acquisition_timeout bounds the Bolt handshake too: a silent listener would otherwise hang.
    # No retries inside a call (the driver's default is 30 s of them): the caller polls, one attempt at a time.
    return GraphDatabase.driver(uri, auth=auth, connection_timeout=2.0, connection_acquisition_timeout=3.0,
                                max_transaction_retry_time=0)


def answers(auth) -> None:
    with driver(auth) as d:
        d.execute_query("RETURN 1")


def set_initial_password() -> None:
    """Change neo4j's first password (the only statement its expired credentials allow), then add the user."""
    with driver(INITIAL) as d:
        d.execute_query("ALTER CURRENT USER SET PASSWORD FROM $old TO $new", old=INITIAL[1], new=password,
                        database_="system")
    if user != INITIAL[0]:
        with driver((INITIAL[0], password)) as d:
            d.execute_query("CREATE USER $user IF NOT EXISTS SET PASSWORD $password CHANGE NOT REQUIRED",
                            user=user, password=password, database_="system")


try:
    try:
        answers((user, password) if password else None)
    except AuthError:
        if password is None:
            raise
        try:
            set_initial_password()
        except AuthError:
            print(f"Neo4j at {uri} refuses PITWALL_NEO4J_PASSWORD for user {user}: this graph was given another "
                  "password (change it with ALTER USER, or start from an empty stack folder)", file=sys.stderr)
            sys.exit(3)
        answers((user, password))
except (DriverError, Neo4jError, OSError):
    sys.exit(1)
