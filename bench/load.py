"""Load: 200 jobs submitted at once through the REST API, with the Prefect server on SQLite and then on
PostgreSQL, side by side; then status reads under `wrk`.

    .venv/bin/python bench/load.py [--jobs 200] [--pool-limit N] [--api-workers 1] [--wrk-seconds 15]
                                   [--wait-minutes 60] [--skip-sqlite] [--dispatch-hold SECONDS]

The script runs a stack of its own on ports 56xxx (bench/out/load-stack), seeds its graph, and always
stops it by pid at the end. The first round runs the Prefect server on SQLite (the stack's default, the
reference); then the server, worker and API restart with PITWALL_PREFECT_DB=postgres and the same
round runs again. Redis and Neo4j stay up across both rounds.

Each job is small (the sample slate inline, 500 scenarios, 3 lineups, its own seed), so the round
measures orchestration, not the optimizer. The work pool's concurrency limit keeps the worker from
starting 200 flow processes on a small machine at once. Every accepted job (202) must end `complete`
with a result readable through the API; anything else is reported as lost. Nothing here asserts a
timing: the figures go to stdout and bench/out/load.txt.

The compute floor is what the jobs need on this machine's cores: each job's own stage timings (its
result's `timings`: load-slate through lineage, measured in its flow process) summed over the jobs and
divided by os.cpu_count(); the makespan is printed beside it as a multiple. Those timings are taken
under the burst's contention, so before the burst the round also runs a few of the same jobs one at a
time and prints the floor their quiet stage time gives (median × jobs ÷ cores). Where the CPU went is
read from /proc: each service's process tree (the flow runs are the worker's descendants) and the
machine as a whole, over the round.
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

import h11
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
CORES = os.cpu_count() or 1
TICKS = os.sysconf("SC_CLK_TCK")
# Services whose CPU the round reads from /proc, each as the process tree under its pid file.
SERVICES = ("prefect", "postgres", "worker", "api", "redis", "neo4j")
# Set from the command line: more stack variables (the API's processes).
EXTRA_ENV: dict[str, str] = {}


def stack_env(db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PITWALL_", "PREFECT_"))}
    env.update(PORTS, PITWALL_STACK_DIR=str(STACK_DIR), PITWALL_PREFECT_DB=db,
               # This client submits 200 jobs at once: no write limit of a configured key may refuse them.
               PITWALL_RATE_LIMIT_PER_MINUTE="1000000", **EXTRA_ENV)
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


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process tree: each live process's own time plus that of the children it reaped
    (cutime, cstime), so a flow process that ended during the round still counts, under its parent."""
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15]) / TICKS  # utime stime cutime cstime
        for task in tasks:
            try:
                todo.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                pass
    return total


def cpu_snapshot() -> dict[str, float]:
    """CPU seconds so far of each service's tree, and the machine's busy and total CPU seconds."""
    seen: dict[str, float] = {}
    for service in SERVICES:
        pidfile = STACK_DIR / f"{service}.pid"
        if pidfile.exists():
            seen[service] = tree_cpu(int(pidfile.read_text().split()[0]))
    ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    seen["machine busy"] = (sum(ticks) - ticks[3] - ticks[4]) / TICKS  # all but idle and iowait
    seen["machine total"] = sum(ticks) / TICKS
    return seen


def quiet_jobs(store: JobStore, n: int) -> list[dict]:
    """n of the round's jobs one at a time, before the burst: their stage timings without contention.
    One more runs first, untimed: the first job after the stack came up calibrates and warms up."""
    out = []
    with httpx.Client(base_url=API, timeout=60) as api:
        for i in range(n + 1 if n else 0):
            body = {**inline_request(), "scenario_config": {"n_scenarios": 500, "seed": 900 + i}}
            started = time.perf_counter()
            run_id = api.post("/api/v1/optimize", json=body).raise_for_status().json()["run_id"]
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                job = store.get(run_id)
                if job and job.status.value in TERMINAL:
                    break
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            result = api.get(f"/api/v1/jobs/{run_id}/result")
            if result.status_code != 200:
                raise RuntimeError(f"quiet job {run_id} ended without a result: {result.text[:300]}")
            out.append({"timings": result.json()["result"]["timings"], "submit_to_complete_s": elapsed})
    return out[1:]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def post(body: bytes) -> tuple[int, bytes]:
    """One POST /api/v1/optimize on its own connection, framed by h11 over asyncio's streams.

    The burst's client runs on the same two cores as the stack it measures, so it must cost far less than
    the API: httpx's AsyncClient spent 1.5 CPU-seconds on 200 POSTs (70% of a core over a 2.2 s burst),
    this about 0.1 with the bodies encoded before the clock starts.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", int(PORTS["PITWALL_API_PORT"]))
    connection = h11.Connection(h11.CLIENT)
    head = h11.Request(method="POST", target="/api/v1/optimize", headers=[
        ("Host", "127.0.0.1"), ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
        ("Connection", "close")])
    try:
        writer.write(connection.send(head) + connection.send(h11.Data(data=body)) + connection.send(h11.EndOfMessage()))
        await writer.drain()
        status, chunks = 0, []
        while True:
            event = connection.next_event()
            if event is h11.NEED_DATA:
                connection.receive_data(await reader.read(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return status, b"".join(chunks)
    finally:
        writer.close()


async def submit_all(n: int) -> tuple[list[str], list[float], dict[str, int], float]:
    """n POSTs at once, each on its own connection; (accepted run ids, latencies of the 202s, codes, wall)."""
    base = inline_request()
    # Encoded before the clock starts: the burst measures the API, not the client's JSON.
    bodies = [json.dumps({**base, "scenario_config": {"n_scenarios": 500, "seed": 1000 + i}}).encode() for i in range(n)]

    async def one(body: bytes) -> tuple[str | None, float, str]:
        started = time.perf_counter()
        try:
            status, answer = await post(body)
        except (OSError, h11.ProtocolError) as exc:
            return None, time.perf_counter() - started, type(exc).__name__
        elapsed = time.perf_counter() - started
        if status == 202:
            return json.loads(answer)["run_id"], elapsed, "202"
        return None, elapsed, str(status)

    started = time.perf_counter()
    outcomes = await asyncio.gather(*(one(body) for body in bodies))
    wall = time.perf_counter() - started
    codes: dict[str, int] = {}
    for _, _, code in outcomes:
        codes[code] = codes.get(code, 0) + 1
    accepted = [(run_id, elapsed) for run_id, elapsed, code in outcomes if run_id]
    return [r for r, _ in accepted], [e for _, e in accepted], codes, wall


def wait_done(store: JobStore, run_ids: list[str], started: float, minutes: float,
              loads: list[float]) -> tuple[dict[str, str], float, float]:
    """Poll Redis itself (not the API, whose reads of stale jobs ask the Prefect server) until every job
    is terminal or the round's time is up; returns the last status of each, the time by which every job
    had its flow run, and the time of the last finish. `loads` gets the 1-minute load average at each poll."""
    status: dict[str, str] = {}
    last_finish = last_dispatch = started
    undispatched = set(run_ids)
    deadline = time.monotonic() + minutes * 60
    open_ids = list(run_ids)
    while open_ids and time.monotonic() < deadline:
        loads.append(os.getloadavg()[0])
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


def verify(run_ids: list[str], timings: list[dict[str, float]]) -> dict[str, int]:
    """Every accepted job read back through the API as a user would: status, then its portfolio (whose
    stage timings go to `timings`)."""
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
            if ok:
                timings.append(result.json()["result"]["timings"])
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


def stage_sum(timings: dict[str, float]) -> float:
    return sum(timings.values())


def one_round(db: str, jobs: int, pool_limit: int, wrk_seconds: int, wait_minutes: float, quiet: int) -> dict:
    env = client_env(db)
    subprocess.run([str(ROOT / ".venv/bin/prefect"), "work-pool", "set-concurrency-limit", "pitwall", str(pool_limit)],
                   env=env, check=True, capture_output=True)
    store = JobStore.from_settings(Settings(redis_url=env["PITWALL_REDIS_URL"]))
    loads: list[float] = []
    try:
        print(f"== {db}: {quiet} jobs one at a time, then {jobs} at once", flush=True)
        alone = quiet_jobs(store, quiet)
        before = cpu_snapshot()
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        run_ids, latencies, codes, wall = asyncio.run(submit_all(jobs))
        print(f"  submitted in {wall:.1f} s: {codes}", flush=True)
        status, dispatched, makespan = wait_done(store, run_ids, started, wait_minutes, loads)
        after = cpu_snapshot()
    finally:
        store.close()
    counts: dict[str, int] = {}
    for value in status.values():
        counts[value] = counts.get(value, 0) + 1
    timings: list[dict[str, float]] = []
    checked = verify(run_ids, timings)
    floor = sum(stage_sum(t) for t in timings) / CORES
    quiet_each = statistics.median(stage_sum(a["timings"]) for a in alone) if alone else float("nan")
    stages: dict[str, float] = {}
    for t in timings:
        for name, seconds in t.items():
            stages[name] = stages.get(name, 0.0) + seconds
    cpu = {name: after[name] - before.get(name, 0.0) for name in after}
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
        "cores": CORES, "floor_s": floor, "makespan_over_floor": makespan / floor if floor else float("nan"),
        "stage_sum_median_s": statistics.median(stage_sum(t) for t in timings) if timings else float("nan"),
        "quiet": alone, "quiet_stage_sum_s": quiet_each, "quiet_floor_s": quiet_each * len(run_ids) / CORES,
        "stage_totals_s": stages, "cpu_s": cpu, "load_before": load_before, "load_during": loads,
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
        ("compute floor: stages summed ÷ cores (s)", lambda r: f"{r['floor_s']:.0f}"),
        ("makespan ÷ floor", lambda r: f"{r['makespan_over_floor']:.2f}"),
        ("stage time per job, median (s)", lambda r: f"{r['stage_sum_median_s']:.2f}"),
        ("same job alone, median (s)", lambda r: f"{r['quiet_stage_sum_s']:.2f}"),
        ("makespan ÷ floor at the alone time", lambda r: f"{r['makespan_s'] / r['quiet_floor_s']:.2f}"),
        ("alone: submit → complete (s)", lambda r: f"{statistics.median(a['submit_to_complete_s'] for a in r['quiet']):.1f}"
         if r["quiet"] else "-"),
        ("load average: before, mean, max", lambda r: f"{r['load_before']:.1f}, "
         f"{statistics.mean(r['load_during'] or [0]):.1f}, {max(r['load_during'] or [0]):.1f}"),
        ("'database is locked' log lines", lambda r: f"{r['database_locked_lines']}"),
        ("status reads: requests/s", lambda r: f"{r['reads']['rps']:.0f}"),
        ("status reads: p50 (ms)", lambda r: f"{r['reads']['p50_ms']:.1f}"),
        ("status reads: p99 (ms)", lambda r: f"{r['reads']['p99_ms']:.1f}"),
        ("status reads: non-2xx", lambda r: f"{r['reads']['non_2xx']:.0f}"),
    ]
    lines = [f"load: {args.jobs} jobs, waited at most {args.wait_minutes:g} min (sample slate inline, 500 scenarios, 3 lineups), work pool limit "
             f"{args.pool_limit}, API processes {args.api_workers}, dispatch hold "
             f"{'the default' if args.dispatch_hold is None else f'{args.dispatch_hold:g} s'}, {CORES} cores, wrk -t2 -c32 -d{args.wrk_seconds}s on GET /api/v1/jobs/{{id}}", head]
    lines += [f"{label:34}" + "".join(f"{fmt(r):>16}" for r in rounds) for label, fmt in rows]
    for r in rounds:
        wall = r["cpu_s"]["machine total"] / CORES
        lines.append(f"{r['db']}: CPU seconds over the round ({wall:.0f} s × {CORES} cores = "
                     f"{r['cpu_s']['machine total']:.0f} available): " + ", ".join(
                         f"{name} {seconds:.0f}" for name, seconds in r["cpu_s"].items() if name != "machine total")
                     + f", other processes {r['cpu_s']['machine busy'] - sum(v for k, v in r['cpu_s'].items() if not k.startswith('machine')):.0f}")
        lines.append(f"{r['db']}: stage seconds summed over the jobs: "
                     + ", ".join(f"{name} {seconds:.0f}" for name, seconds in r["stage_totals_s"].items()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--pool-limit", type=int, default=4)
    parser.add_argument("--api-workers", type=int, default=1, help="the API's processes (PITWALL_API_WORKERS)")
    parser.add_argument("--quiet-jobs", type=int, default=3, help="jobs run one at a time before the burst")
    parser.add_argument("--wrk-seconds", type=int, default=15)
    # How long a round waits for its jobs to finish; what is still queued then is reported, not waited for.
    parser.add_argument("--wait-minutes", type=float, default=60)
    parser.add_argument("--skip-sqlite", action="store_true", help="only the PostgreSQL round")
    parser.add_argument("--dispatch-hold", type=float, help="the API's PITWALL_DISPATCH_HOLD_SECONDS (0: create "
                        "each flow run at once, even during the burst); unset, the stack's default")
    args = parser.parse_args()
    EXTRA_ENV["PITWALL_API_WORKERS"] = str(args.api_workers)
    if args.dispatch_hold is not None:
        EXTRA_ENV["PITWALL_DISPATCH_HOLD_SECONDS"] = str(args.dispatch_hold)
    if (not 1 <= args.jobs <= 1000 or not 1 <= args.wrk_seconds <= 120 or not 0 < args.wait_minutes <= 120
            or not 1 <= args.api_workers <= 16 or not 0 <= args.quiet_jobs <= 10):
        raise SystemExit("--jobs ≤ 1000, --wrk-seconds ≤ 120, --wait-minutes ≤ 120, --api-workers ≤ 16, --quiet-jobs ≤ 10: "
                         "this runs on one small machine")
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
            rounds.append(one_round("sqlite", args.jobs, args.pool_limit, args.wrk_seconds, args.wait_minutes,
                                    args.quiet_jobs))
            for service in ("api", "worker", "prefect"):
                stack("sqlite", "stop", service)
            print("restarting the Prefect server, worker and API on PostgreSQL", flush=True)
            for service in ("postgres", "prefect", "worker", "api"):
                stack("postgres", "start", service)
        rounds.append(one_round("postgres", args.jobs, args.pool_limit, args.wrk_seconds, args.wait_minutes,
                                 args.quiet_jobs))
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
