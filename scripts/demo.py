"""`make demo`: the sample slate through the REST API on the local stack, and the portfolio it gets back.

Upload the DraftKings salary CSV, submit an optimization of the stored slate, follow the job, print the
lineups and the contest metrics, and write the DraftKings upload CSV next to the stack's data.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import httpx

from pitwall.documents import RunResult

ROOT = Path(__file__).resolve().parents[1]
SLATE = ROOT / "examples/sample-slate/DKSalaries.csv"
API = f"http://127.0.0.1:{os.environ.get('PITWALL_API_PORT', '8000')}"


def main() -> int:
    with httpx.Client(base_url=API, timeout=30) as api:
        upload = api.post("/api/v1/slates", json={
            "salaries_csv": SLATE.read_text(), "track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312,
        })
        if upload.status_code != 201:
            print(f"slate upload failed: {upload.status_code} {upload.text}", file=sys.stderr)
            return 1
        slate = upload.json()
        print(f"slate {slate['slate_id']}: {slate['track']} {slate['date']}, {slate['entries']} drivers")

        submitted = api.post("/api/v1/optimize", json={
            "slate_id": slate["slate_id"],
            "scenario_config": {"n_scenarios": 10_000, "seed": 7},
            "portfolio": {"n_lineups": 20, "max_exposure": 0.5, "max_overlap": 4},
        })
        if submitted.status_code != 202:
            print(f"submit failed: {submitted.status_code} {submitted.text}", file=sys.stderr)
            return 1
        run_id = submitted.json()["run_id"]
        print(f"run {run_id} submitted")
        started, last = time.monotonic(), None
        while True:
            job = api.get(f"/api/v1/jobs/{run_id}").json()
            if (job["status"], job["stage"]) != last:
                last = (job["status"], job["stage"])
                print(f"  {time.monotonic() - started:5.1f}s  {job['status']:<9} {job['stage'] or ''}")
            if job["status"] in ("complete", "failed", "cancelled"):
                break
            if time.monotonic() - started > 300:
                print("the job did not finish within 5 minutes", file=sys.stderr)
                return 1
            time.sleep(0.5)
        if job["status"] != "complete":
            print(f"run {job['status']}: {job['error']}", file=sys.stderr)
            return 1

        result = RunResult.model_validate(api.get(f"/api/v1/jobs/{run_id}/result").json()["result"])
        print(f"\n{len(result.lineups)} lineups (salary, projected points, simulated ROI, top-1% rate):")
        for n, lineup in enumerate(result.lineups, 1):
            print(f"  {n:>2}. ${lineup.salary:,}  {lineup.projection:6.1f}  {lineup.roi:+7.2f}"
                  f"  {lineup.top1_rate:.3f}  {', '.join(lineup.drivers)}")
        metrics = result.metrics
        print(f"\nportfolio on {metrics.scenarios:,} held-out scenarios (seed {metrics.scenario_seed}), "
              f"{metrics.field.style} field, {metrics.contest.entries:,} entries:")
        print(f"  ROI {metrics.roi:+.3f} ± {metrics.roi_se:.3f}, top-1% rate {metrics.top1_rate:.4f}, "
              f"cash rate {metrics.cash_rate:.3f}, mean overlap {metrics.mean_overlap:.2f}")
        top = list(result.exposures.items())[:8]
        print("  exposures: " + ", ".join(f"{name} {share:.0%}" for name, share in top))
        print("  stage seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in result.timings.items()))
        out = Path(os.environ.get("PITWALL_STACK_DIR", ROOT / ".stack")) / f"lineups-{run_id}.csv"
        out.write_text(api.get(f"/api/v1/jobs/{run_id}/lineups.csv").text)
        print(f"\nDraftKings upload CSV: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
