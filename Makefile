# pitwall: `make demo` runs a sample slate through the REST API on the local stack; `make test` runs the suite.
.PHONY: install up down status seed demo test test-unit bench

install:
	bash scripts/bootstrap.sh

up: install
	bash scripts/stack.sh up

down:
	bash scripts/stack.sh down

status:
	bash scripts/stack.sh status

seed: up
	eval "$$(bash scripts/stack.sh env | sed 's/^/export /')" && .venv/bin/pitwall seed

demo: seed
	eval "$$(bash scripts/stack.sh env | sed 's/^/export /')" && .venv/bin/python scripts/demo.py

test:
	bash scripts/test.sh

test-unit: install
	.venv/bin/python -m pytest tests/unit

bench: install
	bash bench/run.sh
