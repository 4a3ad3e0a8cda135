#!/usr/bin/env bash
# make bench: the benchmarks that need no running stack, printed in one run.
#   simulation speed (if present), then the portfolio: speed against pydfs-lineup-optimizer,
#   quality on held-out scenarios, and the 2024 backtest on actual results.
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

for script in bench/simulation*.py; do
    [ -e "$script" ] || continue
    echo "== $script"; "$PYTHON" "$script"
done
echo "== portfolio speed"; "$PYTHON" bench/portfolio_speed.py
echo "== portfolio quality"; "$PYTHON" bench/portfolio_quality.py
echo "== portfolio backtest"; "$PYTHON" bench/portfolio_backtest.py
# Load through the REST API on a stack of its own (ports 56xxx), SQLite against PostgreSQL: long, so opt-in.
if [ "${PITWALL_BENCH_LOAD:-0}" = 1 ]; then echo "== load"; "$PYTHON" bench/load.py; fi
