#!/usr/bin/env bash
# `make test`: install what is missing, run the unit tests, start a stack of pitwall's own on test ports
# (so a running stack is never touched), run the integration tests against it, and always stop it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/bootstrap.sh

export PITWALL_STACK_DIR=${PITWALL_TEST_STACK_DIR:-$ROOT/.stack-test}
export PITWALL_REDIS_PORT=${PITWALL_TEST_REDIS_PORT:-16379}
export PITWALL_NEO4J_BOLT_PORT=${PITWALL_TEST_NEO4J_PORT:-17687}
export PITWALL_PREFECT_PORT=${PITWALL_TEST_PREFECT_PORT:-14200}
export PITWALL_API_PORT=${PITWALL_TEST_API_PORT:-18000}
unset PITWALL_REDIS_URL PITWALL_NEO4J_URI PITWALL_PREFECT_API_URL PREFECT_API_URL
unset PREFECT_SERVER_API_AUTH_STRING PREFECT_API_AUTH_STRING
# The test stack's Prefect server is behind basic auth, so every integration test also proves that the
# deployments, the worker, the flow runs and the API authenticate. PITWALL_TEST_PREFECT_AUTH=off runs it open.
if [ "${PITWALL_TEST_PREFECT_AUTH:-on}" = off ]; then
  unset PITWALL_PREFECT_AUTH_STRING
else
  export PITWALL_PREFECT_AUTH_STRING=pitwall-test:$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
fi
# Redis and Neo4j want random passwords too, so every test proves the API, the worker, its flow runs and the
# seed authenticate to both. PITWALL_TEST_STORE_AUTH=off runs them open.
unset PITWALL_REDIS_PASSWORD PITWALL_NEO4J_PASSWORD PITWALL_NEO4J_USER
if [ "${PITWALL_TEST_STORE_AUTH:-on}" != off ]; then
  export PITWALL_REDIS_PASSWORD=redis-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  export PITWALL_NEO4J_PASSWORD=neo4j-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
fi
# Each test run starts from empty stores: leftovers of an earlier run must not make a test pass.
bash scripts/stack.sh down >/dev/null 2>&1 || true
rm -rf "$PITWALL_STACK_DIR"

trap 'bash scripts/stack.sh down' EXIT
bash scripts/stack.sh up
eval "$(bash scripts/stack.sh exports)"
# The flow calibrates from the knowledge graph, so the test stack holds the bundled results too.
.venv/bin/pitwall seed | tail -n 2
.venv/bin/python -m pytest "$@"
