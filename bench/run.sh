#!/usr/bin/env bash
# make bench: the benchmarks of bench/, printed in one run.
#   Always (no running stack needed): the portfolio's speed against pydfs-lineup-optimizer, its quality on
#   held-out scenarios, the simulation quality report, the season backtest against a public field
#   (2021-2023, then 2024 with its ablation and told the field's ownership), every slate of an unseen
#   season, the newcomer prior's fit, and submit → complete latency of the first job and the warm ones
#   (bench/latency.py, on a stack of its own, ports 57xxx, stopped by pid through scripts/stack.sh at the end).
#   PITWALL_BENCH_CHOICES=1: also the race-model choices and the solver's default field, season by season (long).
#   PITWALL_BENCH_STACK=1: also seeding the running local stack's graph (`make up && make seed` first;
#   bench_seed.py, an idempotent re-seed of its Neo4j).
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
echo "== simulation quality, 2024 held out"; .venv/bin/pitwall calibrate --train 2019-2023 --test 2024 --quiet
echo "== season backtest on actual results"; "$PYTHON" bench/season_backtest.py --seasons 2021 2022 2023
echo "== season backtest, 2024 held out, with the ablation"; "$PYTHON" bench/season_backtest.py --seasons 2024 --ablation
echo "== season backtest, 2024 held out, told the field's ownership"; "$PYTHON" bench/season_backtest.py --seasons 2024 --ownership
echo "== every slate of an unseen season"; "$PYTHON" bench/every_slate.py --season 2024
echo "== newcomer prior"; "$PYTHON" bench/newcomer_prior.py
echo "== submit → complete, on a stack of its own"; "$PYTHON" bench/latency.py --runs 5
if [ "${PITWALL_BENCH_CHOICES:-0}" = 1 ]; then
    echo "== race-model choices on 2021-2023"; "$PYTHON" bench/model_choice.py --grid RUNNING_ORDER_WEIGHT=0,1,2,3 --grid RATING_ORDER_WEIGHT=0,1,2
    for season in 2021 2022 2023 2024; do
        echo "== the solver's default field, $season"; "$PYTHON" bench/season_backtest.py --seasons "$season" --field-choice
    done
fi
if [ "${PITWALL_BENCH_STACK:-0}" = 1 ]; then
    echo "== seeding the graph"; "$PYTHON" bench/bench_seed.py
fi
if [ "${PITWALL_BENCH_LOAD:-0}" = 1 ]; then echo "== load"; "$PYTHON" bench/load.py; fi
