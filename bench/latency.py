"""Submit → complete latency of the demo request through the REST API, stage by stage, against the same
request run in this process (the reference, side by side), and the first job after the stack came up
against the warm ones.

    .venv/bin/python bench/latency.py [--runs 5] [--port-base 57000] [--stack-dir DIR]   # a stack of its own
    eval "$(scripts/stack.sh exports)" && .venv/bin/python bench/latency.py --running   # the running stack
    .venv/bin/python bench/latency.py --workers preload,engine,process   # kinds of worker side by side

The request is `make demo`'s (scripts/demo.py): the 40-driver sample slate stored by upload, 10,000
scenarios, 20 lineups, at most 50% exposure and 4 drivers shared, the default contest (5,000 held-out
scenarios). The reference runs the steps `pitwall optimize` runs (`pitwall.cli.optimize._load` and `_run`:
history and slate read from the CSVs, calibrate, simulate, solve, evaluate, result) in this process, once
per service run, alternating with it, so both see the same machine load.

Without --running the script starts a stack of its own through scripts/stack.sh (ports base+379 Redis,
base+687 Neo4j, base+200 Prefect, base+0 API; folder bench/out/latency-stack), seeds its graph with
`pitwall seed`, and always stops it with `stack.sh down`, which ends every process by its pid. Its first
job is then the first after the stack came up, as after `make up && make seed`. With --running the first
job is only this script's first.

Each service run is split with the Prefect server's record of it: `dispatch` (submit to the flow run's
creation), `worker poll` (Scheduled → Pending), `process start` (Pending → Running: the worker starts the
flow's Python process), `flow start` (Running → the first task: importing the flow module, the start hook),
each task by name (the scenario shards together as `simulate`), `between tasks` (the flow's own work:
stage and progress reports) and `seen complete` (the last task's end to the client seeing the job complete).
Then, with the stack stopped, the imports of a flow process before its first task are timed in fresh
interpreters (`prefect.engine` and the flow module) beside the same plus scipy.optimize, which only a run
that calibrates needs, and `-X importtime` says which packages take the time.
With --workers (PITWALL_WORKER_MODE values, scripts/stack.sh) every warm round runs the request once on
each kind of worker, the worker restarted as that kind in between (untimed), each beside its own in-process
run; the first job runs on the first kind.
Nothing here asserts a timing; figures go to stdout and bench/out/latency.txt.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pitwall.cli.optimize import FieldKind, _load, _run, _Stages  # noqa: E402
from pitwall.request import ContestConfig, PortfolioConfig, ScenarioConfig  # noqa: E402
from pitwall.run import controls_for, payout_for  # noqa: E402

SLATE = ROOT / "examples/sample-slate/DKSalaries.csv"
RACE = {"track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312}
JOB = {
    "scenario_config": {"n_scenarios": 10_000, "seed": 7},
    "portfolio": {"n_lineups": 20, "max_exposure": 0.5, "max_overlap": 4},
}
STACK_DIR = ROOT / "bench/out/latency-stack"
OUT = ROOT / "bench/out/latency.txt"
TERMINAL = ("complete", "failed", "cancelled")
# The flow's task functions (a task run's key is the function's name and a hash) → their stage in the split.
TASK_STAGES = {"start_job": "start-job", "load_slate": "load-slate", "calibrate_race": "calibrate",
               "apply_projections": "projections", "generate_scenarios": "simulate", "solve": "solve",
               "evaluate": "evaluate", "record_lineage": "lineage", "persist_result": "persist"}
ORDER = ("dispatch", "worker poll", "process start", "flow start", "start-job", "load-slate", "calibrate",
         "projections", "simulate", "solve", "evaluate", "lineage", "persist", "between tasks", "seen complete")
BEFORE_FIRST_TASK = ("dispatch", "worker poll", "process start", "flow start")


# -- the reference: the same request, in this process ------------------------------------------------------


def in_process() -> tuple[float, dict[str, float], list[list[str]]]:
    """The request through `pitwall optimize`'s own steps; (seconds, stage seconds, lineups by name)."""
    scenarios, portfolio, contest = ScenarioConfig(**JOB["scenario_config"]), PortfolioConfig(**JOB["portfolio"]), ContestConfig()
    started = time.perf_counter()
    with _Stages(quiet=True) as stages:
        history, slate = _load(SLATE, None, RACE["track"], None, RACE["laps"], RACE["date"], "Cup", None)
        result, _, _ = _run(history, slate, controls_for(slate, portfolio), payout_for(contest), FieldKind(contest.field),
                            scenarios.n_scenarios, scenarios.seed, contest.evaluation_scenarios, False, None, None, stages)
    return time.perf_counter() - started, dict(stages.timings), [lineup.drivers for lineup in result.lineups]


# -- the service ---------------------------------------------------------------------------------------------


def _instant(text: str | None) -> float | None:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else None


def _finished_task_runs(prefect: httpx.Client, flow_run_id: str, wait: float = 30) -> list[dict]:
    """The flow run's task runs once the server has recorded each one's final state: task-run states reach
    it as events, which it may still be writing when the job is already complete."""
    deadline = time.monotonic() + wait
    while True:
        tasks = prefect.post("/task_runs/filter", json={"flow_runs": {"id": {"any_": [flow_run_id]}}}).raise_for_status().json()
        if all(task["state"] and task["state"]["type"] == "COMPLETED" for task in tasks) or time.monotonic() > deadline:
            return tasks
        time.sleep(0.2)


def split(prefect: httpx.Client, flow_run_id: str, submitted: float, seen: float) -> dict[str, float]:
    """The Prefect server's record of one flow run, cut into the stages of ORDER (seconds each)."""
    flow_run = prefect.get(f"/flow_runs/{flow_run_id}").raise_for_status().json()
    states = prefect.get("/flow_run_states/", params={"flow_run_id": flow_run_id}).raise_for_status().json()
    first = {}
    for state in sorted(states, key=lambda s: s["timestamp"]):
        first.setdefault(state["type"], _instant(state["timestamp"]))
    tasks = _finished_task_runs(prefect, flow_run_id)
    spans: dict[str, list[float]] = {}
    for task in tasks:
        function = task["task_key"].rsplit("-", 1)[0]
        name = TASK_STAGES.get(function, function)
        # A task answered from its cache never runs: its span is its state's moment.
        end = _instant(task["end_time"]) or _instant(task["state"]["timestamp"])
        start = _instant(task["start_time"]) or end
        span = spans.setdefault(name, [start, end])
        span[0], span[1] = min(span[0], start), max(span[1], end)
    created = _instant(flow_run["created"])
    first_task = min(start for start, _ in spans.values())
    last_task = max(end for _, end in spans.values())
    out = {
        "dispatch": created - submitted,
        "worker poll": first["PENDING"] - first["SCHEDULED"],
        "process start": first["RUNNING"] - first["PENDING"],
        "flow start": first_task - first["RUNNING"],
        **{name: end - start for name, (start, end) in spans.items()},
        "seen complete": seen - last_task,
    }
    # The time no task ran (the lineage runs beside the evaluation, so spans overlap).
    busy, reached = 0.0, first_task
    for start, end in sorted(spans.values()):
        busy += max(0.0, end - max(start, reached))
        reached = max(reached, end)
    out["between tasks"] = (last_task - first_task) - busy
    return out


def through_service(api: httpx.Client, prefect: httpx.Client, slate_id: str) -> tuple[float, dict[str, float], list[list[str]]]:
    submitted = time.time()
    started = time.perf_counter()
    run_id = api.post("/api/v1/optimize", json={"slate_id": slate_id, **JOB}).raise_for_status().json()["run_id"]
    while (job := api.get(f"/api/v1/jobs/{run_id}").json())["status"] not in TERMINAL:
        time.sleep(0.05)
    total, seen = time.perf_counter() - started, time.time()
    if job["status"] != "complete":
        raise SystemExit(f"run {run_id} {job['status']}: {job['error']}")
    result = api.get(f"/api/v1/jobs/{run_id}/result").raise_for_status().json()["result"]
    return total, split(prefect, job["flow_run_id"], submitted, seen), [lineup["drivers"] for lineup in result["lineups"]]


# -- what a flow process imports before its first task ------------------------------------------------------

# The worker's flow process runs prefect.engine, which loads the deployment's entrypoint: this module.
FLOW_IMPORTS = "import prefect.engine, flows.optimize"
# A run that calibrates also loads scipy.optimize; one whose calibration comes from the cache does not.
WITH_CALIBRATION = "import scipy.optimize, prefect.engine, flows.optimize"


def import_seconds(statement: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], cwd=ROOT, check=True)
    return time.perf_counter() - started


def import_profile(rounds: int) -> list[str]:
    """Wall time of a fresh interpreter importing what the flow process imports at start, alternating with
    the same plus scipy.optimize (the reference), and the packages taking most of it (`-X importtime`)."""
    flow, reference = [], []
    for _ in range(rounds):
        flow.append(import_seconds(FLOW_IMPORTS))
        reference.append(import_seconds(WITH_CALIBRATION))
    profile = subprocess.run([sys.executable, "-X", "importtime", "-c", FLOW_IMPORTS], cwd=ROOT, check=True,
                             capture_output=True, text=True).stderr
    by_package: dict[str, int] = {}
    for line in profile.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            own, _, name = line.removeprefix("import time:").split("|")
            package = name.strip().split(".")[0]
            by_package[package] = by_package.get(package, 0) + int(own)
    total = sum(by_package.values())
    top = sorted(by_package.items(), key=lambda item: -item[1])[:8]
    return [
        f"flow process imports ({rounds} fresh interpreters each, median): {statistics.median(flow):.2f} s; "
        f"with scipy.optimize too (a run that calibrates) {statistics.median(reference):.2f} s; "
        f"ratio {statistics.median(flow) / statistics.median(reference):.2f}",
        "  -X importtime, own time by package: " + ", ".join(f"{name} {us / total:.0%}" for name, us in top),
    ]


# -- a stack of the bench's own -------------------------------------------------------------------------------


def stack_env(port_base: int, stack_dir: Path, worker: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PITWALL_", "PREFECT_"))}
    env.update(PITWALL_STACK_DIR=str(stack_dir), PITWALL_REDIS_PORT=str(port_base + 379),
               PITWALL_NEO4J_BOLT_PORT=str(port_base + 687), PITWALL_PREFECT_PORT=str(port_base + 200),
               PITWALL_API_PORT=str(port_base), PITWALL_STORE_RETRY_DELAYS="[1, 2, 4]", PITWALL_WORKER_MODE=worker)
    return env


def switch_worker(env: dict[str, str], mode: str) -> None:
    """Restart the stack's worker as another kind (scripts/stack.sh waits until it can take runs)."""
    stack(env, "stop", "worker")
    stack({**env, "PITWALL_WORKER_MODE": mode}, "start", "worker")


def stack(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(["bash", str(ROOT / "scripts/stack.sh"), *args], env=env, capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"stack.sh {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def client_env(env: dict[str, str]) -> dict[str, str]:
    out = dict(env)
    for line in stack(env, "env").splitlines():
        key, _, value = line.partition("=")
        out[key] = value
    return out


# -- report ----------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def report(first: tuple[float, dict[str, float]], warm: list[tuple[float, dict[str, float], float, dict[str, float]]],
           lineups_agree: bool, started_in: float | None) -> list[str]:
    lines = []
    totals = [total for total, _, _, _ in warm]
    references = [reference for _, _, reference, _ in warm]
    median, reference = statistics.median(totals), statistics.median(references)
    if started_in is not None:
        lines.append(f"stack up and seeded in {started_in:.1f} s")
    lines.append(f"warm, {len(warm)} runs: submit→complete median {median:.2f} s, p90 {percentile(totals, 90):.2f} s "
                 f"(min {min(totals):.2f}, max {max(totals):.2f}); in-process median {reference:.2f} s; "
                 f"service/in-process {median / reference:.2f}x")
    lines.append(f"first job: {first[0]:.2f} s = {first[0] / median:.2f}x the warm median")
    lines.append(f"same lineups through the service and in-process: {'yes' if lineups_agree else 'NO'}")
    stages = [s for s in ORDER if any(s in split for _, split, _, _ in warm) or s in first[1]]
    lines.append(f"{'stage (s)':<18}{'first':>8}{'warm med':>10}{'warm p90':>10}")
    for stage in stages:
        values = [split.get(stage, 0.0) for _, split, _, _ in warm]
        lines.append(f"{stage:<18}{first[1].get(stage, 0.0):8.2f}{statistics.median(values):10.2f}"
                     f"{percentile(values, 90):10.2f}")
    before = [sum(split.get(s, 0.0) for s in BEFORE_FIRST_TASK) for _, split, _, _ in warm]
    lines.append(f"{'before first task':<18}{sum(first[1].get(s, 0.0) for s in BEFORE_FIRST_TASK):8.2f}"
                 f"{statistics.median(before):10.2f}{percentile(before, 90):10.2f}")
    steps = {name for _, _, _, timing in warm for name in timing}
    lines.append("in-process stages, median (s): " + ", ".join(
        f"{name} {statistics.median(t.get(name, 0.0) for _, _, _, t in warm):.2f}" for name in sorted(steps)))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="warm runs after the first")
    parser.add_argument("--running", action="store_true", help="measure the running stack of this environment")
    parser.add_argument("--port-base", type=int, default=57000, help="the bench stack's ports (without --running)")
    parser.add_argument("--imports", type=int, default=5, help="rounds of the flow process's import timing (0: none)")
    parser.add_argument("--stack-dir", type=Path, default=STACK_DIR, help="the bench stack's folder (without --running)")
    parser.add_argument("--workers", default="preload",
                        help="worker kinds (PITWALL_WORKER_MODE) to compare, comma-separated: each warm round runs the "
                             "request once per kind, the worker restarted as that kind in between (untimed); the "
                             "first job runs on the first kind")
    args = parser.parse_args()
    modes = args.workers.split(",")

    env, started_in = dict(os.environ), None
    own = None if args.running else stack_env(args.port_base, args.stack_dir.resolve(), modes[0])
    if args.running and len(modes) > 1:
        parser.error("--workers compares kinds on the bench's own stack only")
    try:
        if own is not None:
            print(f"starting the bench stack on ports {args.port_base}+ ({args.stack_dir}) and seeding its graph", flush=True)
            began = time.perf_counter()
            stack(own, "up")
            env = client_env(own)
            subprocess.run([str(ROOT / ".venv/bin/pitwall"), "seed"], env=env, check=True, capture_output=True)
            started_in = time.perf_counter() - began
        api_url = f"http://127.0.0.1:{env.get('PITWALL_API_PORT', '8000')}"
        prefect_url = env.get("PITWALL_PREFECT_API_URL", "http://127.0.0.1:4200/api")
        with httpx.Client(base_url=api_url, timeout=30) as api, httpx.Client(base_url=prefect_url, timeout=30) as prefect:
            slate_id = api.post("/api/v1/slates", json={"salaries_csv": SLATE.read_text(), **RACE}).raise_for_status().json()["slate_id"]
            first_total, first_split, service_lineups = through_service(api, prefect, slate_id)
            print(f"first job {first_total:6.2f} s", flush=True)
            # Untimed: this process's own first run pays for imports and loading the compiled loops.
            _, _, reference_lineups = in_process()
            warm: dict[str, list] = {mode: [] for mode in modes}
            agree, current = service_lineups == reference_lineups, modes[0]
            for n in range(args.runs):
                for mode in modes:
                    if mode != current:
                        switch_worker(own, mode)
                        current = mode
                    reference, timings, reference_lineups = in_process()
                    total, parts, service_lineups = through_service(api, prefect, slate_id)
                    agree = agree and service_lineups == reference_lineups
                    warm[mode].append((total, parts, reference, timings))
                    print(f"run {n + 1} {mode}: service {total:6.2f} s (before first task "
                          f"{sum(parts.get(s, 0.0) for s in BEFORE_FIRST_TASK):5.2f} s, calibrate {parts.get('calibrate', 0):5.2f} s)"
                          f"  in-process {reference:6.2f} s  ratio {total / reference:4.2f}", flush=True)
    finally:
        if own is not None:
            print(stack(own, "down"), end="")
    lines = []
    for mode in modes:
        lines.append(f"== worker {mode}" + (" (the first job ran on it)" if mode == modes[0] else ""))
        lines += report((first_total, first_split), warm[mode], agree, started_in)
    if len(modes) > 1:
        medians = {mode: statistics.median(total for total, _, _, _ in warm[mode]) for mode in modes}
        lines.append("warm medians side by side: " + ", ".join(
            f"{mode} {medians[mode]:.2f} s ({medians[mode] / medians[modes[-1]]:.2f}x {modes[-1]})" for mode in modes))
    if args.imports:
        lines += import_profile(args.imports)
    print("\n".join(lines))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
