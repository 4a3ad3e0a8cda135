#!/usr/bin/env bash
# Registers pitwall's work pool and the deployments of prefect.yaml with the Prefect server at
# PREFECT_API_URL. Both are upserts: running it again changes nothing.
#   PITWALL_WORK_POOL   pool name (default pitwall), of type `process`
#   PITWALL_HOME        the directory flow runs start in (the deployments' working_dir)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PREFECT=${PREFECT:-$ROOT/.venv/bin/prefect}
export PITWALL_WORK_POOL=${PITWALL_WORK_POOL:-pitwall}
export PITWALL_HOME=${PITWALL_HOME:-$ROOT}

"$PREFECT" work-pool inspect "$PITWALL_WORK_POOL" >/dev/null 2>&1 \
  || "$PREFECT" work-pool create "$PITWALL_WORK_POOL" --type process
"$PREFECT" --no-prompt deploy --all
# A run whose process died with its machine is marked Crashed once its heartbeats stop.
"${PYTHON:-$(dirname "$(command -v "$PREFECT")")/python}" deployments/zombies.py
