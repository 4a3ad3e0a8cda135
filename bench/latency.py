"""Submit → complete latency of one job through the REST API on the running local stack, against the
same work done in this process with no service around it (the reference run, side by side).

    make up && make seed && .venv/bin/python bench/latency.py [--runs 3]

A 40-driver slate (examples/sample-slate), 10,000 scenarios, 20 lineups. Orchestration overhead is the
service's total less the compute its stages report; the ratio compares the service with the reference.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from pathlib import Path

import httpx

from pitwall.calibration import calibrate
from pitwall.contest import PayoutTable
from pitwall.history import History
from pitwall.portfolio import Controls
from pitwall.run import evaluate_portfolio, evaluation_seed, solve_portfolio
from pitwall.simulation import simulate
from pitwall.slate import load_slate

ROOT = Path(__file__).resolve().parents[1]
SLATE = ROOT / "examples/sample-slate/DKSalaries.csv"
RACE = {"track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312}
JOB = {"scenario_config": {"n_scenarios": 10_000, "seed": 7}, "portfolio": {"n_lineups": 20},
       "contest": {"evaluation_scenarios": 5_000}}


def in_process() -> float:
    """The same stages, straight through the domain package: the floor any service adds to."""
    started = time.perf_counter()
    history = History.from_csv()
    slate = load_slate(SLATE.read_text(), track=RACE["track"], date=dt.date.fromisoformat(RACE["date"]),
                       laps=RACE["laps"])
    model = calibrate(history, slate)
    points = simulate(model, 10_000, 7).points
    payout = PayoutTable.gpp()
    portfolio = solve_portfolio(points, slate, Controls(n_lineups=20), payout, "sharp", 7)
    held_out = evaluation_seed(7)
    evaluate_portfolio(portfolio.lineups, simulate(model, 5_000, held_out).points, slate, payout, "sharp", held_out)
    return time.perf_counter() - started


def through_service(api: httpx.Client, slate_id: str) -> tuple[float, float]:
    started = time.perf_counter()
    run_id = api.post("/api/v1/optimize", json={"slate_id": slate_id, **JOB}).raise_for_status().json()["run_id"]
    while (job := api.get(f"/api/v1/jobs/{run_id}").json())["status"] not in ("complete", "failed", "cancelled"):
        time.sleep(0.1)
    total = time.perf_counter() - started
    if job["status"] != "complete":
        raise SystemExit(f"run {run_id} {job['status']}: {job['error']}")
    compute = sum(api.get(f"/api/v1/jobs/{run_id}/result").json()["result"]["timings"].values())
    return total, compute


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    api_url = f"http://127.0.0.1:{os.environ.get('PITWALL_API_PORT', '8000')}"
    with httpx.Client(base_url=api_url, timeout=30) as api:
        slate_id = api.post("/api/v1/slates", json={"salaries_csv": SLATE.read_text(), **RACE}).raise_for_status().json()["slate_id"]
        rows = []
        for _ in range(args.runs):
            reference = in_process()
            total, compute = through_service(api, slate_id)
            rows.append((total, compute, reference))
            print(f"service {total:6.2f} s (stages {compute:5.2f} s, overhead {total - compute:5.2f} s)  "
                  f"in-process {reference:6.2f} s  ratio {total / reference:4.2f}")
    median = [statistics.median(column) for column in zip(*rows)]
    print(f"median of {args.runs}: submit→complete {median[0]:.2f} s, stages {median[1]:.2f} s, "
          f"orchestration overhead {median[0] - median[1]:.2f} s, in-process {median[2]:.2f} s, "
          f"service/in-process {median[0] / median[2]:.2f}")


if __name__ == "__main__":
    main()
