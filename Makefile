# pitwall: `make demo` runs a sample slate through the REST API on the local stack; `make test` runs the suite.
.PHONY: install up down status seed demo test test-faults test-unit bench

install:
	bash scripts/bootstrap.sh

up: install
	bash scripts/stack.sh up

down:
	bash scripts/stack.sh down

status:
	bash scripts/stack.sh status

seed: up
	eval "$$(bash scripts/stack.sh exports)" && .venv/bin/pitwall seed

demo: seed
	eval "$$(bash scripts/stack.sh exports)" && .venv/bin/python scripts/demo.py

# Store retries are cut short here: tests that stop a store want the run to fail fast, not to outlast it.
test:
	PITWALL_STORE_RETRY_DELAYS='[1, 2, 4]' bash scripts/test.sh -m "not faults"

# The fault tests kill and restart services, so they get a stack of their own (ports 21xxx, .stack-faults/),
# reconciled after 5 s, with 30 s flow heartbeats and runs silent for 75 s marked Crashed.
test-faults:
	PITWALL_TEST_STACK_DIR=$(CURDIR)/.stack-faults PITWALL_TEST_REDIS_PORT=21379 PITWALL_TEST_NEO4J_PORT=21687 \
	PITWALL_TEST_PREFECT_PORT=21200 PITWALL_TEST_API_PORT=21000 \
	PITWALL_RECONCILE_AFTER_SECONDS=5 PITWALL_RECONCILE_INTERVAL_SECONDS=5 \
	PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30 PITWALL_ZOMBIE_AFTER_SECONDS=75 \
	bash scripts/test.sh -m faults tests/faults

test-unit: install
	.venv/bin/python -m pytest tests/unit

bench: install
	bash bench/run.sh
