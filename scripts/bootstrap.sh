#!/usr/bin/env bash
# Installs what pitwall needs on a fresh machine, and nothing twice: Debian's Redis, Maven and Java 17,
# the virtualenv with the pinned packages, and the Neo4j jars (resolved once into a cache).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VENV=${PITWALL_VENV:-$ROOT/.venv}

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v mvn >/dev/null || missing+=(maven)
command -v curl >/dev/null || missing+=(curl)
[ -x "${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}/bin/java" ] || missing+=(openjdk-17-jre-headless)
# PostgreSQL only when the stack is to run Prefect's database on it.
fresh_postgres=false
if [ "${PITWALL_PREFECT_DB:-sqlite}" = postgres ] && [ ! -x "${PITWALL_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}/postgres" ]; then
  missing+=(postgresql); fresh_postgres=true
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The Debian package starts its own Redis on 6379; pitwall runs its own, so that one is not needed.
if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
  systemctl stop redis-server || true
fi
# Likewise the cluster the Debian package makes on 5432: the stack initdb's a cluster of its own.
if $fresh_postgres && command -v pg_ctlcluster >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q '^15 *main .*online'; then
  pg_ctlcluster 15 main stop || true
fi

if [ ! -x "$VENV/bin/python" ]; then
  python3.11 -m venv "$VENV" 2>/dev/null || python3 -m venv "$VENV"
fi
stamp=$VENV/.pitwall-installed
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing Python packages into $VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q -e ".[test]"
  echo "$want" >"$stamp"
fi

# The project's own modules compiled to bytecode here: an editable install leaves them as source, and where
# PYTHONDONTWRITEBYTECODE is set every command and flow run would compile them again (about 60 ms a process).
"$VENV/bin/python" -m compileall -q pitwall flows tasks service deployments >/dev/null
# The solver's compiled loops are built here, not in the first job (a no-op load once cached).
"$VENV/bin/python" scripts/compile_kernels.py
# The bundled results parsed once and kept (pitwall/disk_cache.py): every command after loads them.
"$VENV/bin/python" -c "from pitwall.history import History; History.from_csv()"

bash scripts/stack.sh jars
