#!/usr/bin/env bash
# make bench: the benchmarks of bench/, printed in one run.
#   Always (no running stack needed): the portfolio's speed against pydfs-lineup-optimizer, its quality on
#   held-out scenarios, and the 2024 backtest on actual results.
#   PITWALL_BENCH_STACK=1: also those that measure the running local stack (`make up && make seed` first):
#   seeding the graph (bench_seed.py, an idempotent re-seed of its Neo4j) and submit → complete latency.
#   PITWALL_BENCH_LOAD=1: also the load round, on a stack of its own (ports 56xxx): long.
# portfolio_common.py and pydfs_portfolio.py are the portfolio benchmarks' helpers, not benchmarks.
# pydfs-lineup-optimizer is not a pitwall dependency: it lives in bench/.venv-pydfs, made here.
# Figures go to stdout and to bench/out/ (git-ignored). Nothing here asserts a timing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PITWALL_PYTHON:-.venv/bin/python}
PYDFS_VENV=bench/.venv-pydfs
if ! "$PYDFS_VENV/bin/python" -c "import pydfs_lineup_optimizer" >/dev/null 2>&1; then
    python3 -m venv "$PYDFS_VENV"
    "$PYDFS_VENV/bin/pip" install --quiet "pydfs-lineup-optimizer==3.6.1"
fi
export PYDFS_PYTHON="$PWD/$PYDFS_VENV/bin/python"
mkdir -p bench/out

echo "== portfolio speed"; "$PYTHON" bench/portfolio_speed.py
echo "== portfolio quality"; "$PYTHON" bench/portfolio_quality.py
echo "== portfolio backtest"; "$PYTHON" bench/portfolio_backtest.py
if [ "${PITWALL_BENCH_STACK:-0}" = 1 ]; then
    echo "== seeding the graph"; "$PYTHON" bench/bench_seed.py
    echo "== submit → complete"; "$PYTHON" bench/latency.py --runs 3
fi
if [ "${PITWALL_BENCH_LOAD:-0}" = 1 ]; then echo "== load"; "$PYTHON" bench/load.py; fi
