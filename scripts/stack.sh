#!/usr/bin/env bash
# pitwall's local stack without Docker: Redis, Neo4j, the Prefect server and its worker, and the API,
# each on 127.0.0.1 with its data, logs and pid file under one folder ($PITWALL_STACK_DIR).
#
#   scripts/stack.sh up | down | status
#   scripts/stack.sh start SERVICE | stop SERVICE | kill SERVICE     (SERVICE: redis neo4j prefect worker api,
#                                                                     and postgres with PITWALL_PREFECT_DB=postgres)
#   scripts/stack.sh deploy     register the work pool and the deployments of prefect.yaml again
#   scripts/stack.sh jars       resolve the Neo4j jars into the cache (once)
#   scripts/stack.sh env        print the PITWALL_/PREFECT_ variables a client of this stack needs
#   scripts/stack.sh exports    the same as shell exports: eval "$(scripts/stack.sh exports)"
#
# Every process is stopped by the pid it was started with, never by name.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export PITWALL_HOME=$ROOT
STACK=${PITWALL_STACK_DIR:-$ROOT/.stack}
mkdir -p "$STACK"
STACK=$(cd "$STACK" && pwd)
VENV=${PITWALL_VENV:-$ROOT/.venv}
PY=$VENV/bin/python

REDIS_PORT=${PITWALL_REDIS_PORT:-6379}
NEO4J_PORT=${PITWALL_NEO4J_BOLT_PORT:-7687}
PREFECT_PORT=${PITWALL_PREFECT_PORT:-4200}
API_PORT=${PITWALL_API_PORT:-8000}
NEO4J_VERSION=${PITWALL_NEO4J_VERSION:-5.26.12}
NEO4J_HOME=${PITWALL_CACHE:-$HOME/.cache/pitwall}/neo4j-$NEO4J_VERSION
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}

export PITWALL_REDIS_URL=${PITWALL_REDIS_URL:-redis://127.0.0.1:$REDIS_PORT/0}
export PITWALL_NEO4J_URI=${PITWALL_NEO4J_URI:-bolt://127.0.0.1:$NEO4J_PORT}
export PITWALL_PREFECT_API_URL=${PITWALL_PREFECT_API_URL:-http://127.0.0.1:$PREFECT_PORT/api}
export PREFECT_API_URL=$PITWALL_PREFECT_API_URL
export PREFECT_HOME=$STACK/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_UI_API_URL=$PITWALL_PREFECT_API_URL
# Results persisted where every worker on this machine can read them, so a retried run skips finished tasks.
export PREFECT_RESULTS_PERSIST_BY_DEFAULT=true
export PREFECT_LOCAL_STORAGE_PATH=$STACK/prefect/storage
export PREFECT_WORKER_QUERY_SECONDS=${PITWALL_WORKER_POLL_SECONDS:-1}
export PREFECT_LOGGING_LEVEL=${PREFECT_LOGGING_LEVEL:-INFO}
# Opt-in basic auth on the Prefect server and UI: PITWALL_PREFECT_AUTH_STRING="user:password" makes the server
# refuse any call without it (401), and every client this script starts (deployments, worker, its flow
# runs, the API) sends it. Keep it set for every later stack.sh command on this stack.
if [ -n "${PITWALL_PREFECT_AUTH_STRING:-}" ]; then
  export PITWALL_PREFECT_AUTH_STRING
  export PREFECT_SERVER_API_AUTH_STRING=$PITWALL_PREFECT_AUTH_STRING
  export PREFECT_API_AUTH_STRING=$PITWALL_PREFECT_AUTH_STRING
fi

# Opt-in passwords on the stores: PITWALL_REDIS_PASSWORD makes Redis require it (requirepass), and
# PITWALL_NEO4J_PASSWORD turns Neo4j's authentication on, the first start setting it for PITWALL_NEO4J_USER
# (default neo4j; at least 8 characters). Every client this script starts gets them from its environment;
# neither goes on a command line, where `ps` would show it. Keep them set for every later command.
[ -n "${PITWALL_REDIS_PASSWORD:-}" ] && export PITWALL_REDIS_PASSWORD
[ -n "${PITWALL_NEO4J_PASSWORD:-}" ] && export PITWALL_NEO4J_PASSWORD
[ -n "${PITWALL_NEO4J_USER:-}" ] && export PITWALL_NEO4J_USER

SERVICES=(redis neo4j prefect worker api)

# The worker: Prefect's process worker. PITWALL_WORKER_MODE says how it starts a flow run (README "Latency"):
#   preload  (default) a fork of a process that imported Prefect and pitwall once (deployments/preload_worker.py)
#   engine   a fresh `python -m prefect.engine` per run
#   process  Prefect's default: a workspace supervisor interpreter that then becomes a fresh engine interpreter
WORKER_MODE=${PITWALL_WORKER_MODE:-preload}

# The Prefect server's database: SQLite (default) serializes writes, which stalls concurrent submissions;
# PITWALL_PREFECT_DB=postgres gives it a PostgreSQL cluster of the stack's own, started before it and
# stopped after it (first in the list, so `down` reaches it last).
PREFECT_DB=${PITWALL_PREFECT_DB:-sqlite}
POSTGRES_PORT=${PITWALL_POSTGRES_PORT:-5432}
POSTGRES_BIN=${PITWALL_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
POSTGRES_USER=${PITWALL_POSTGRES_USER:-prefect}
POSTGRES_PASSWORD=${PITWALL_POSTGRES_PASSWORD:-prefect}
API_WORKERS=${PITWALL_API_WORKERS:-1}
[[ $API_WORKERS =~ ^[1-9][0-9]?$ ]] || { echo "PITWALL_API_WORKERS must be a number of processes from 1 to 99, not '$API_WORKERS'" >&2; exit 2; }
case $WORKER_MODE in
  preload | engine | process) ;;
  *) echo "PITWALL_WORKER_MODE must be preload, engine or process, not '$WORKER_MODE'" >&2; exit 2 ;;
esac
case $PREFECT_DB in
  sqlite) ;;
  postgres) SERVICES=(postgres "${SERVICES[@]}") ;;
  *) echo "PITWALL_PREFECT_DB must be sqlite or postgres, not '$PREFECT_DB'" >&2; exit 2 ;;
esac

say() { printf '%-8s %s\n' "$1" "$2"; }
pidfile() { echo "$STACK/$1.pid"; }
alive() { local f; f=$(pidfile "$1"); [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }

wait_for() { # NAME SECONDS COMMAND...: poll until COMMAND succeeds, fail early if the process died
  # or COMMAND exits 3 (it never will succeed: a refused password)
  local name=$1 secs=$2 out rc; shift 2
  local deadline=$((SECONDS + secs))
  while :; do
    rc=0; out=$("$@" 2>&1) || rc=$?
    [ $rc = 0 ] && return 0
    if [ $rc = 3 ]; then echo "$name: $out" >&2; return 1; fi
    if ! alive "$name"; then echo "$name died while starting; last log lines:" >&2; tail -n 30 "$STACK/$name.log" >&2 || true; return 1; fi
    if [ $SECONDS -ge $deadline ]; then echo "$name did not answer within ${secs}s; last log lines:" >&2; tail -n 30 "$STACK/$name.log" >&2 || true; return 1; fi
    sleep 0.3
  done
}

http_ok() { curl -fsS -m 2 "$1"; }

start_redis() {
  mkdir -p "$STACK/redis"
  # The password is read as configuration from stdin (the trailing "-"), so it is not in the process's
  # arguments; redis-cli takes it from REDISCLI_AUTH for the same reason.
  local config=""
  [ -n "${PITWALL_REDIS_PASSWORD:-}" ] && config="requirepass \"$(redis_quote "$PITWALL_REDIS_PASSWORD")\""
  printf '%s\n' "$config" | redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$STACK/redis" --appendonly yes \
    --appendfsync everysec --save "" --daemonize yes --pidfile "$(pidfile redis)" \
    --logfile "$STACK/redis.log" - >/dev/null  # its one line on stdout: "Reading config from stdin"
  # --daemonize writes the pid file a moment after returning
  local n=0; until [ -s "$(pidfile redis)" ] || [ $n -ge 50 ]; do sleep 0.1; n=$((n + 1)); done
  wait_for redis 20 redis_ping
}

redis_quote() { local v=${1//\\/\\\\}; printf '%s' "${v//\"/\\\"}"; } # for a "…" string in redis.conf

redis_ping() { # PONG only: a Redis that wants a password answers NOAUTH, which redis-cli exits 0 on
  local reply auth=()
  [ -n "${PITWALL_REDIS_PASSWORD:-}" ] && auth=(REDISCLI_AUTH="$PITWALL_REDIS_PASSWORD")
  reply=$(env "${auth[@]}" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>&1) || return 1
  [ "$reply" = PONG ] || { case $reply in *WRONGPASS*|*NOAUTH*) echo "Redis refuses PITWALL_REDIS_PASSWORD: $reply"; return 3 ;; esac; return 1; }
}

neo4j_jars() {
  [ -f "$NEO4J_HOME/lib/.complete" ] && return 0
  echo "neo4j    resolving $NEO4J_VERSION jars from Maven Central into $NEO4J_HOME/lib (once)"
  mkdir -p "$NEO4J_HOME/lib"
  mvn -q -B -f "$ROOT/scripts/neo4j/pom.xml" -Dmaven.repo.local="$NEO4J_HOME/m2" \
    -Dneo4j.version="$NEO4J_VERSION" -Dneo4j.lib.dir="$NEO4J_HOME/lib" dependency:copy-dependencies
  ls "$NEO4J_HOME"/lib/neo4j-server-*.jar >/dev/null
  touch "$NEO4J_HOME/lib/.complete"
}

start_neo4j() {
  neo4j_jars
  local run=$STACK/neo4j
  mkdir -p "$NEO4J_HOME/plugins" "$run"/{conf,data,logs,run,import}
  sed -e "s#@RUN@#$run#g" -e "s#@PORT@#$NEO4J_PORT#g" -e "s#@HOME@#$NEO4J_HOME#g" \
    -e "s#@AUTH@#$([ -n "${PITWALL_NEO4J_PASSWORD:-}" ] && echo true || echo false)#g" \
    -e "s#@HEAP@#${PITWALL_NEO4J_HEAP:-512m}#g" -e "s#@PAGECACHE@#${PITWALL_NEO4J_PAGECACHE:-128m}#g" \
    "$ROOT/scripts/neo4j/neo4j.conf.in" > "$run/conf/neo4j.conf"
  cp "$ROOT/scripts/neo4j/server-logs.xml" "$ROOT/scripts/neo4j/user-logs.xml" "$run/conf/"
  # Heap flags go on the command line: server.memory.heap.* is only read by the bin/neo4j launcher.
  nohup "$JAVA_HOME/bin/java" -Xms"${PITWALL_NEO4J_HEAP:-512m}" -Xmx"${PITWALL_NEO4J_HEAP:-512m}" \
    -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+DisableExplicitGC -Djdk.nio.maxCachedBufferSize=1024 \
    -XX:-UseDynamicNumberOfCompilerThreads \
    -Dio.netty.tryReflectionSetAccessible=true \
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
    -Dlog4j2.disable.jmx=true -Dfile.encoding=UTF-8 \
    -cp "$NEO4J_HOME/lib/*" org.neo4j.server.CommunityEntryPoint \
    --home-dir="$NEO4J_HOME" --config-dir="$run/conf" --console-mode \
    >>"$STACK/neo4j.log" 2>&1 </dev/null &
  echo $! >"$(pidfile neo4j)"
  wait_for neo4j 180 "$PY" "$ROOT/scripts/wait_bolt.py" "$PITWALL_NEO4J_URI"
  lower_jit_priority "$(cat "$(pidfile neo4j)")"
}

lower_jit_priority() { # PID: the JVM's compiler threads at the lowest priority
  # For seconds after a seed, and again as new queries run, Neo4j's JIT compiler threads take one or two
  # cores, which a job's solve shares (docs/latency.md). At nice 19 they compile when the cores are idle and
  # the queries run meanwhile as they are; all of them exist from the JVM's start (no dynamic compiler threads).
  local task
  for task in /proc/"$1"/task/*; do
    case $(cat "$task/comm" 2>/dev/null) in
      C1\ CompilerThre*|C2\ CompilerThre*) renice -n 19 -p "${task##*/}" >/dev/null ;;
    esac
  done
}

postgres_url() { echo "postgresql+asyncpg://$POSTGRES_USER:$POSTGRES_PASSWORD@127.0.0.1:$POSTGRES_PORT/prefect"; }

as_postgres() { # PostgreSQL refuses to run as root: root hands it to the postgres OS user
  if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi
}

postgres_ready() { PGPASSWORD=$POSTGRES_PASSWORD "$POSTGRES_BIN/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres; }

postgres_sql() { PGPASSWORD=$POSTGRES_PASSWORD "$POSTGRES_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres -tAc "$1"; }

start_postgres() {
  [ -x "$POSTGRES_BIN/postgres" ] || { echo "no PostgreSQL in $POSTGRES_BIN: run scripts/bootstrap.sh with PITWALL_PREFECT_DB=postgres" >&2; return 1; }
  local dir=$STACK/postgres
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir" && chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    local pw
    pw=$(mktemp "$dir/.pw.XXXXXX"); printf '%s\n' "$POSTGRES_PASSWORD" >"$pw"
    [ "$(id -u)" = 0 ] && chown postgres: "$pw"
    as_postgres "$POSTGRES_BIN/initdb" -D "$dir/data" -U "$POSTGRES_USER" --pwfile="$pw" \
      --auth-host=scram-sha-256 --auth-local=reject -E UTF8 --no-locale >>"$STACK/postgres.log" 2>&1 \
      || { rm -f "$pw"; echo "initdb failed; see $STACK/postgres.log" >&2; tail -n 20 "$STACK/postgres.log" >&2; return 1; }
    rm -f "$pw"
  fi
  # TCP on loopback only, no Unix socket: nothing else on the machine shares this cluster by accident.
  local user=()
  [ "$(id -u)" = 0 ] && user=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  nohup "${user[@]}" "$POSTGRES_BIN/postgres" -D "$dir/data" -c listen_addresses=127.0.0.1 -p "$POSTGRES_PORT" \
    -c unix_socket_directories= -c max_connections=200 \
    >>"$STACK/postgres.log" 2>&1 </dev/null &
  echo $! >"$(pidfile postgres)"
  wait_for postgres 60 postgres_ready
  [ "$(postgres_sql "SELECT 1 FROM pg_database WHERE datname = 'prefect'")" = 1 ] || postgres_sql "CREATE DATABASE prefect"
}

start_prefect() {
  mkdir -p "$PREFECT_HOME/storage"
  local db=()
  [ "$PREFECT_DB" = postgres ] && db=(PREFECT_API_DATABASE_CONNECTION_URL="$(postgres_url)")
  env "${db[@]}" PREFECT_SERVER_API_HOST=127.0.0.1 PREFECT_SERVER_API_PORT=$PREFECT_PORT \
    nohup "$PY" "$ROOT/deployments/prefect_server.py" --host 127.0.0.1 --port "$PREFECT_PORT" \
    >>"$STACK/prefect.log" 2>&1 </dev/null &
  echo $! >"$(pidfile prefect)"
  wait_for prefect 120 http_ok "$PITWALL_PREFECT_API_URL/health"
  deploy
}

deploy() {
  PREFECT=$VENV/bin/prefect bash "$ROOT/deployments/register.sh" >>"$STACK/deploy.log" 2>&1 \
    || { echo "registering the deployments failed; see $STACK/deploy.log" >&2; tail -n 30 "$STACK/deploy.log" >&2; return 1; }
}

start_worker() {
  local pool=${PITWALL_WORK_POOL:-pitwall}
  "$PY" "$ROOT/deployments/work_pool.py" "$pool" "$WORKER_MODE" >>"$STACK/worker.log" 2>&1 \
    || { echo "setting the work pool's command failed; see $STACK/worker.log" >&2; tail -n 20 "$STACK/worker.log" >&2; return 1; }
  local worker=("$VENV/bin/prefect" worker start --type process)
  [ "$WORKER_MODE" = preload ] && worker=("$PY" "$ROOT/deployments/preload_worker.py")
  nohup "${worker[@]}" --pool "$pool" --name "pitwall-worker-$$" >>"$STACK/worker.log" 2>&1 </dev/null &
  echo $! >"$(pidfile worker)"
  wait_for worker 60 grep -q "started" "$STACK/worker.log"
  # The first run should not wait for the imports: up returns once the fork server has them.
  [ "$WORKER_MODE" != preload ] || wait_for worker 180 grep -qE "fork server (ready|off)" "$STACK/worker.log"
}

start_api() {
  # PITWALL_API_WORKERS > 1: uvicorn's processes share the port, each with its own dispatcher and
  # reconcile sweep (jobs are in Redis, so any of them answers for any job); stopping the pid-file
  # process stops them all.
  nohup "$VENV/bin/uvicorn" service.app:app --host 127.0.0.1 --port "$API_PORT" --workers "$API_WORKERS" \
    --no-access-log >>"$STACK/api.log" 2>&1 </dev/null &
  echo $! >"$(pidfile api)"
  wait_for api 60 http_ok "http://127.0.0.1:$API_PORT/health"
}

where() {
  case $1 in
    redis) echo "$PITWALL_REDIS_URL" ;;
    neo4j) echo "$PITWALL_NEO4J_URI" ;;
    prefect) echo "${PITWALL_PREFECT_API_URL%/api} (UI and API${PREFECT_SERVER_API_AUTH_STRING:+, basic auth})" ;;
    worker) echo "pool ${PITWALL_WORK_POOL:-pitwall}, polling every ${PREFECT_WORKER_QUERY_SECONDS}s, flow runs: $WORKER_MODE" ;;
    api) echo "http://127.0.0.1:$API_PORT (docs at /docs), $API_WORKERS process(es)" ;;
    postgres) echo "127.0.0.1:$POSTGRES_PORT, database prefect (the Prefect server's)" ;;
  esac
}

start() {
  if alive "$1"; then say "$1" "already running (pid $(cat "$(pidfile "$1")")) at $(where "$1")"; return 0; fi
  rm -f "$(pidfile "$1")"
  # Each start gets a fresh log, so readiness checks read only this start's lines.
  [ -f "$STACK/$1.log" ] && mv "$STACK/$1.log" "$STACK/$1.log.prev"
  "start_$1"
  say "$1" "up (pid $(cat "$(pidfile "$1")")) at $(where "$1")"
}

descendants() { local child; for child in $(pgrep -P "$1" 2>/dev/null); do echo "$child"; descendants "$child"; done; }

end_pid() { # PID SIGNAL: send it, wait up to a minute for the exit, then KILL
  kill "-$2" "$1" 2>/dev/null || true
  local n=0
  while kill -0 "$1" 2>/dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
  if kill -0 "$1" 2>/dev/null; then kill -KILL "$1" 2>/dev/null || true; sleep 0.2; fi
}

stop() { # SERVICE [SIGNAL]: TERM waits for a clean exit (Neo4j checkpoints), then KILL
  local f pid sig=${2:-TERM} runs="" run
  # TERM asks PostgreSQL to wait for its clients to leave; INT disconnects them and shuts down cleanly.
  [ "$1" = postgres ] && [ -z "${2:-}" ] && sig=INT
  f=$(pidfile "$1")
  [ -f "$f" ] || { say "$1" "not running"; return 0; }
  pid=$(cat "$f")
  # A worker's flow runs are its child processes and outlive it: a clean stop ends them too, found by
  # the worker's pid while it still has them. (`kill worker` leaves them, as a crash would.)
  [ "$1" = worker ] && [ "$sig" = TERM ] && runs=$(descendants "$pid")
  if kill -0 "$pid" 2>/dev/null; then end_pid "$pid" "$sig"; fi
  for run in $runs; do kill -0 "$run" 2>/dev/null && end_pid "$run" TERM; done
  rm -f "$f"
  say "$1" "stopped (pid $pid${runs:+, and its flow runs $(echo $runs)})"
}

status() {
  local s rc=0
  for s in "${SERVICES[@]}"; do
    if alive "$s"; then say "$s" "running (pid $(cat "$(pidfile "$s")")) at $(where "$s")"
    else say "$s" "stopped"; rc=3; fi
  done
  return $rc
}

WARM_PID=""

up() {
  local s
  for s in "${SERVICES[@]}"; do
    start "$s"
    if [ "$s" = neo4j ]; then
      # A fresh Neo4j compiles each query at its first run (seconds each): the graph runs every query a job
      # runs while the other services start, so the first job does not pay for it.
      "$PY" "$ROOT/scripts/warm_graph.py" >"$STACK/neo4j-warm.log" 2>&1 &
      WARM_PID=$!
      trap 'if [ -n "$WARM_PID" ]; then kill "$WARM_PID" 2>/dev/null || true; fi' EXIT
    fi
  done
  if [ -n "$WARM_PID" ]; then
    wait "$WARM_PID" || true
    WARM_PID=""
    cat "$STACK/neo4j-warm.log"
  fi
}

cmd=${1:-status}
case $cmd in
  up) up ;;
  down) for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop "${SERVICES[$i]}"; done ;;
  status) status ;;
  start) start "${2:?service}" ;;
  stop) stop "${2:?service}" ;;
  kill) stop "${2:?service}" KILL ;;
  deploy) deploy ;;
  jars) neo4j_jars ;;
  env) env | grep -E '^(PITWALL_|PREFECT_)' | sort ;;
  exports) # the same, quoted for a shell: eval "$(scripts/stack.sh exports)"
    while IFS= read -r line; do printf 'export %s=%q\n' "${line%%=*}" "${line#*=}"; done \
      < <(env | grep -E '^(PITWALL_|PREFECT_)' | sort) ;;
  *) echo "usage: $0 up|down|status|start SERVICE|stop SERVICE|kill SERVICE|deploy|jars|env|exports" >&2; exit 2 ;;
esac
