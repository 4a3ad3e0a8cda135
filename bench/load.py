"""Load: 200 jobs submitted at once through the REST API, with the Prefect server on SQLite and then on
PostgreSQL, side by side; then status reads under `wrk`.

    .venv/bin/python bench/load.py [--jobs 200] [--pool-limit 4] [--wrk-seconds 15] [--wait-minutes 60] [--skip-sqlite]

The script runs a stack of its own on ports 56xxx (bench/out/load-stack), seeds its graph, and always
stops it by pid at the end. The first round runs the Prefect server on SQLite (the stack's default, the
reference); then the server, worker and API restart with PITWALL_PREFECT_DB=postgres and the same
round runs again. Redis and Neo4j stay up across both rounds.

Each job is small (the sample slate inline, 500 scenarios, 3 lineups, its own seed), so the round
measures orchestration, not the optimizer. The work pool's concurrency limit keeps the worker from
starting 200 flow processes on a small machine at once. Every accepted job (202) must end `complete`
with a result readable through the API; anything else is reported as lost. Nothing here asserts a
timing: the figures go to stdout and bench/out/load.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pitwall.settings import Settings  # noqa: E402
from pitwall.stores.jobs import JobStore  # noqa: E402
from tests.conftest import inline_request  # noqa: E402

STACK_DIR = ROOT / "bench/out/load-stack"
PORTS = {
    "PITWALL_REDIS_PORT": "56379",
    "PITWALL_NEO4J_BOLT_PORT": "56687",
    "PITWALL_PREFECT_PORT": "56200",
    "PITWALL_API_PORT": "56000",
    "PITWALL_POSTGRES_PORT": "56432",
}
API = f"http://127.0.0.1:{PORTS['PITWALL_API_PORT']}"
TERMINAL = {"complete", "failed", "cancelled"}


def stack_env(db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PITWALL_", "PREFECT_"))}
    env.update(PORTS, PITWALL_STACK_DIR=str(STACK_DIR), PITWALL_PREFECT_DB=db,
               # This client submits 200 jobs at once: no write limit of a configured key may refuse them.
               PITWALL_RATE_LIMIT_PER_MINUTE="1000000")
    return env


def stack(db: str, *args: str) -> str:
    done = subprocess.run(["bash", str(ROOT / "scripts/stack.sh"), *args], env=stack_env(db),
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"stack.sh {' '.join(args)} ({db}) failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def client_env(db: str) -> dict[str, str]:
    """The variables a client of the bench stack needs, as `stack.sh env` prints them."""
    env = dict(stack_env(db))
    for line in stack(db, "env").splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    return env


def ensure_tools() -> None:
    """wrk and PostgreSQL are Debian packages; install what is missing (the machines run as root)."""
    if not shutil.which("wrk"):
        print("installing wrk from Debian", flush=True)
        install = ["apt-get", "install", "-y", "-qq", "wrk"]
        if subprocess.run(install, capture_output=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}).returncode:
            subprocess.run(["apt-get", "update", "-qq"], check=True)
            subprocess.run(install, check=True, capture_output=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if not Path("/usr/lib/postgresql/15/bin/postgres").exists():
        subprocess.run(["bash", str(ROOT / "scripts/bootstrap.sh")], check=True,
                       env={**os.environ, "PITWALL_PREFECT_DB": "postgres"})


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def submit_all(n: int) -> tuple[list[str], list[float], dict[str, int], float]:
    """n POSTs at once, each on its own connection; (accepted run ids, latencies of the 202s, codes, wall)."""
    base = inline_request()
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=API, timeout=300, limits=limits) as api:

        async def one(i: int) -> tuple[str | None, float, str]:
            body = {**base, "scenario_config": {"n_scenarios": 500, "seed": 1000 + i}}
            started = time.perf_counter()
            try:
                response = await api.post("/api/v1/optimize", json=body)
            except httpx.HTTPError as exc:
                return None, time.perf_counter() - started, type(exc).__name__
            elapsed = time.perf_counter() - started
            if response.status_code == 202:
                return response.json()["run_id"], elapsed, "202"
            return None, elapsed, str(response.status_code)

        started = time.perf_counter()
        outcomes = await asyncio.gather(*(one(i) for i in range(n)))
        wall = time.perf_counter() - started
    codes: dict[str, int] = {}
    for _, _, code in outcomes:
        codes[code] = codes.get(code, 0) + 1
    accepted = [(run_id, elapsed) for run_id, elapsed, code in outcomes if run_id]
    return [r for r, _ in accepted], [e for _, e in accepted], codes, wall


def wait_done(store: JobStore, run_ids: list[str], started: float, minutes: float) -> tuple[dict[str, str], float, float]:
    """Poll Redis itself (not the API, whose reads of stale jobs ask the Prefect server) until every job
    is terminal or the round's time is up; returns the last status of each, the time by which every job
    had its flow run, and the time of the last finish."""
    status: dict[str, str] = {}
    last_finish = last_dispatch = started
    undispatched = set(run_ids)
    deadline = time.monotonic() + minutes * 60
    open_ids = list(run_ids)
    while open_ids and time.monotonic() < deadline:
        still = []
        for run_id in open_ids:
            job = store.get(run_id)
            status[run_id] = job.status.value if job else "missing"
            if job and job.flow_run_id and run_id in undispatched:
                undispatched.discard(run_id)
                last_dispatch = time.perf_counter()
            if status[run_id] in TERMINAL:
                last_finish = time.perf_counter()
            else:
                still.append(run_id)
        if len(still) != len(open_ids):
            print(f"  {len(run_ids) - len(still)}/{len(run_ids)} finished", flush=True)
        open_ids = still
        if open_ids:
            time.sleep(2)
    return status, (float("nan") if undispatched else last_dispatch - started), last_finish - started


def verify(run_ids: list[str]) -> dict[str, int]:
    """Every accepted job read back through the API as a user would: status, then its portfolio."""
    seen = {"complete_with_result": 0, "not_complete": 0, "no_result": 0}
    with httpx.Client(base_url=API, timeout=30) as api:
        for run_id in run_ids:
            job = api.get(f"/api/v1/jobs/{run_id}")
            if job.status_code != 200 or job.json()["status"] != "complete":
                seen["not_complete"] += 1
                continue
            result = api.get(f"/api/v1/jobs/{run_id}/result")
            ok = result.status_code == 200 and len(result.json()["result"]["lineups"]) == 3
            seen["complete_with_result" if ok else "no_result"] += 1
    return seen


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def run_wrk(run_ids: list[str], seconds: int) -> dict[str, float]:
    """GET /api/v1/jobs/{id} over the round's jobs, for `seconds`, 2 threads and 32 connections."""
    script = "local ids = {" + ",".join(json.dumps(r) for r in run_ids) + "}\n" + (
        "request = function()\n"
        "  return wrk.format('GET', '/api/v1/jobs/' .. ids[math.random(#ids)])\n"
        "end\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", handle.name, API],
                             capture_output=True, text=True, timeout=seconds + 60).stdout
    finally:
        os.unlink(handle.name)
    figures: dict[str, float] = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for label in ("50", "99"):
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M).groups()
        figures[f"p{label}_ms"] = float(value) * UNITS[unit]
    figures["requests"] = float(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    figures["non_2xx"] = float(errors.group(1)) if errors else 0.0
    socket_errors = re.search(r"Socket errors: (.*)", out)
    figures["socket_errors"] = socket_errors.group(1) if socket_errors else "none"
    return figures


def one_round(db: str, jobs: int, pool_limit: int, wrk_seconds: int, wait_minutes: float) -> dict:
    env = client_env(db)
    subprocess.run([str(ROOT / ".venv/bin/prefect"), "work-pool", "set-concurrency-limit", "pitwall", str(pool_limit)],
                   env=env, check=True, capture_output=True)
    print(f"== {db}: {jobs} jobs at once", flush=True)
    store = JobStore.from_settings(Settings(redis_url=env["PITWALL_REDIS_URL"]))
    try:
        started = time.perf_counter()
        run_ids, latencies, codes, wall = asyncio.run(submit_all(jobs))
        print(f"  submitted in {wall:.1f} s: {codes}", flush=True)
        status, dispatched, makespan = wait_done(store, run_ids, started, wait_minutes)
    finally:
        store.close()
    counts: dict[str, int] = {}
    for value in status.values():
        counts[value] = counts.get(value, 0) + 1
    checked = verify(run_ids)
    locked = (STACK_DIR / "prefect.log").read_text(errors="replace").count("database is locked")
    print(f"  status reads under wrk for {wrk_seconds} s", flush=True)
    reads = run_wrk(run_ids or ["none"], wrk_seconds)
    return {
        "db": db, "jobs": jobs, "codes": codes, "accepted": len(run_ids),
        "submit_p50_s": statistics.median(latencies) if latencies else float("nan"),
        "submit_p99_s": percentile(latencies, 99), "submit_max_s": max(latencies, default=float("nan")),
        "submit_wall_s": wall, "final": counts, "dispatched_s": dispatched, "makespan_s": makespan, "checked": checked,
        "unfinished": sum(1 for v in status.values() if v not in TERMINAL),
        "lost": sum(1 for v in status.values() if v in TERMINAL or v == "missing") - checked["complete_with_result"],
        "database_locked_lines": locked, "reads": reads,
    }


def report(rounds: list[dict], args: argparse.Namespace) -> str:
    head = f"{'':34}" + "".join(f"{r['db']:>16}" for r in rounds)
    rows = [
        ("jobs submitted at once", lambda r: f"{r['jobs']}"),
        ("accepted (202)", lambda r: f"{r['accepted']}"),
        ("other answers", lambda r: ", ".join(f"{k}: {v}" for k, v in r["codes"].items() if k != "202") or "none"),
        ("submit latency p50 (s)", lambda r: f"{r['submit_p50_s']:.2f}"),
        ("submit latency p99 (s)", lambda r: f"{r['submit_p99_s']:.2f}"),
        ("all submitted after (s)", lambda r: f"{r['submit_wall_s']:.1f}"),
        ("every flow run created after (s)", lambda r: f"{r['dispatched_s']:.1f}"),
        ("complete, result read via API", lambda r: f"{r['checked']['complete_with_result']}"),
        ("still queued or running at the end", lambda r: f"{r['unfinished']}"),
        ("lost (ended without a result)", lambda r: f"{r['lost']}"),
        ("last job finished after (s)", lambda r: f"{r['makespan_s']:.0f}"),
        ("'database is locked' log lines", lambda r: f"{r['database_locked_lines']}"),
        ("status reads: requests/s", lambda r: f"{r['reads']['rps']:.0f}"),
        ("status reads: p50 (ms)", lambda r: f"{r['reads']['p50_ms']:.1f}"),
        ("status reads: p99 (ms)", lambda r: f"{r['reads']['p99_ms']:.1f}"),
        ("status reads: non-2xx", lambda r: f"{r['reads']['non_2xx']:.0f}"),
    ]
    lines = [f"load: {args.jobs} jobs, waited at most {args.wait_minutes:g} min (sample slate inline, 500 scenarios, 3 lineups), work pool limit "
             f"{args.pool_limit}, wrk -t2 -c32 -d{args.wrk_seconds}s on GET /api/v1/jobs/{{id}}", head]
    lines += [f"{label:34}" + "".join(f"{fmt(r):>16}" for r in rounds) for label, fmt in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--pool-limit", type=int, default=4)
    parser.add_argument("--wrk-seconds", type=int, default=15)
    # How long a round waits for its jobs to finish; what is still queued then is reported, not waited for.
    parser.add_argument("--wait-minutes", type=float, default=60)
    parser.add_argument("--skip-sqlite", action="store_true", help="only the PostgreSQL round")
    args = parser.parse_args()
    if not 1 <= args.jobs <= 1000 or not 1 <= args.wrk_seconds <= 120 or not 0 < args.wait_minutes <= 120:
        raise SystemExit("--jobs ≤ 1000, --wrk-seconds ≤ 120, --wait-minutes ≤ 120: this runs on one small machine")
    ensure_tools()
    rounds: list[dict] = []
    stack("postgres", "down")
    shutil.rmtree(STACK_DIR, ignore_errors=True)
    try:
        first = "postgres" if args.skip_sqlite else "sqlite"
        print(f"starting the bench stack ({first} first) and seeding its graph", flush=True)
        stack(first, "up")
        subprocess.run([str(ROOT / ".venv/bin/pitwall"), "seed"], env=client_env(first), check=True,
                       capture_output=True)
        if not args.skip_sqlite:
            rounds.append(one_round("sqlite", args.jobs, args.pool_limit, args.wrk_seconds, args.wait_minutes))
            for service in ("api", "worker", "prefect"):
                stack("sqlite", "stop", service)
            print("restarting the Prefect server, worker and API on PostgreSQL", flush=True)
            for service in ("postgres", "prefect", "worker", "api"):
                stack("postgres", "start", service)
        rounds.append(one_round("postgres", args.jobs, args.pool_limit, args.wrk_seconds, args.wait_minutes))
    finally:
        # Every service of both rounds, each by the pid it was started with.
        print(stack("postgres", "down"), end="")
    text = report(rounds, args)
    print(text)
    (ROOT / "bench/out").mkdir(exist_ok=True)
    (ROOT / "bench/out/load.txt").write_text(text + "\n")
    (ROOT / "bench/out/load.json").write_text(json.dumps(rounds, indent=2) + "\n")


if __name__ == "__main__":
    main()
