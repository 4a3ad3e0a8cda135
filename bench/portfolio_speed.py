"""Speed: a 150-lineup portfolio (overlap ≤ 4, max exposure 0.5), pitwall against pydfs.

    .venv/bin/python bench/portfolio_speed.py [--date 2024-05-27 --track "Charlotte Motor Speedway"]

Same slate, same machine, same run. pitwall is timed three ways:
- the solve over 10,000 scenarios (field, enumeration, screen, scenario objective, selection), median of
  --repeat, with the time to simulate the scenarios beside it;
- the whole command, `pitwall optimize --lineups 150 --max-exposure 0.5 --max-overlap 4 --scenarios 10000`
  on the race as a slate (`pitwall past-slate`'s CSV), end to end as a subprocess: interpreter start-up and
  imports, history, calibration, simulation, solve and the out-of-sample evaluation (as many held-out
  scenarios as solving ones, the command's default, against the whole simulated contest), with its own
  stage timings and its peak memory (ru_maxrss of that process, from os.wait4); with a cache of the bench's
  own (PITWALL_CACHE, filled by one untimed run first), each timed run twice: as the first run on the
  slate (the kept calibrations removed, so it calibrates) and as a rerun on it (the model fitted by the
  run before loaded from the cache, as a player's second command on a slate loads it);
- with --reference-tree DIR (pitwall's package from another commit, e.g.
  `git archive <commit> pitwall | tar -x -C DIR`), the same command run from that code too, alternating
  with this one's first runs, each process's CPU seconds (user + system, from os.wait4) beside its wall seconds, and
  whether both wrote the same upload CSV; the reference is run once untimed first, so its compiled loops
  are cached as this checkout's are;
- the evaluation's contest scoring (`contest_payouts`) on the command's portfolio and held-out scenarios
  against the reference it replaced (bench/reference_scoring.py), side by side, checked to the bit.
pydfs gets the scenarios' mean points as projections and is timed from loading players to its last lineup.
Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from portfolio_common import ROOT, past_race, pydfs, scenarios, table, write
from reference_scoring import contest_payouts as reference_payouts

from pitwall.contest import PayoutTable, contest_payouts, sample_field
from pitwall.history import History
from pitwall.portfolio import Controls, solve
from pitwall.run import EVALUATION_FIELD, evaluation_seed, simulate_shard
from pitwall.slate import salaries_csv

GIB = 1024**3


def command(race, n_scenarios: int, n_lineups: int, folder: Path, tree: Path | None = None, *,
            first: bool = True) -> dict:
    """`pitwall optimize` on the race's slate as a subprocess (from this checkout, or the package in `tree`):
    wall and CPU seconds, its stage timings, lineups and upload CSV, and its peak resident memory in bytes.
    Its cache is the folder's; `first` removes the calibrations kept there, so the run calibrates."""
    cache = folder / "cache"
    if first:
        shutil.rmtree(cache / "calibration", ignore_errors=True)
    slate = race.slate
    slate_csv = folder / "slate.csv"
    slate_csv.write_text(salaries_csv(slate))
    summary = folder / "summary.json"
    upload = folder / "upload.csv"
    start = [str(ROOT / ".venv/bin/pitwall")]
    if tree is not None:
        # The tree's own executable: pitwall.console where it has one, the bare command line before it.
        entry = ("from pitwall.console import run; sys.exit(run())" if (tree / "pitwall/console.py").exists()
                 else "from pitwall.cli import app; app()")
        start = [str(ROOT / ".venv/bin/python"), "-c",
                 f"import sys; sys.path.insert(0, {str(tree)!r}); sys.argv[0] = 'pitwall'; {entry}"]
    argv = [*start, "optimize", "--slate", str(slate_csv), "--track", slate.track,
            "--date", slate.date.isoformat(), "--laps", str(slate.laps), "--series", slate.series,
            "--out", str(upload), "--lineups", str(n_lineups), "--max-exposure", "0.5",
            "--max-overlap", "4", "--scenarios", str(n_scenarios), "--quiet", "--json", str(summary)]
    began = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "PITWALL_CACHE": str(cache)})
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"pitwall optimize failed ({process.returncode}):\n{process.stderr.read().decode()}")
    process.stderr.close()
    done = json.loads(summary.read_text())
    index = {name: i for i, name in enumerate(slate.names)}
    lineups = np.array([sorted(index[name] for name in lineup.split(" / ")) for lineup in done["lineups"]])
    # ru_maxrss is in KiB on Linux.
    return {"seconds": wall, "cpu": usage.ru_utime + usage.ru_stime, "timings": done["timings"],
            "peak_bytes": usage.ru_maxrss * 1024, "lineups": lineups, "upload": upload.read_text(),
            "evaluation": done["scenarios"]["evaluate"], "argv": argv}


def evaluation_scoring(race, lineups: np.ndarray, n_scenarios: int, seed: int, rounds: int) -> dict:
    """The evaluation's contest scoring of the command's portfolio, as the command scores it (its held-out
    scenarios and whole field), now and by the reference, alternating; identical to the bit or not."""
    held_out = evaluation_seed(seed)
    points = simulate_shard(race.model, n_scenarios, held_out).points
    payout = PayoutTable.gpp()
    size = min(payout.entries - len(lineups), EVALUATION_FIELD)
    field = sample_field(points.mean(axis=0), race.slate.salaries, size, style="sharp", seed=held_out)
    now, before, same = [], [], True
    for _ in range(rounds):
        began = time.perf_counter()
        ours = contest_payouts(lineups, points, field, payout)
        now.append(time.perf_counter() - began)
        began = time.perf_counter()
        theirs = reference_payouts(lineups, points, field, payout)
        before.append(time.perf_counter() - began)
        same = same and all(np.array_equal(a, b) for a, b in zip(ours, theirs))
    return {"now": float(np.median(now)), "before": float(np.median(before)), "identical": same,
            "field": size, "scenarios": n_scenarios}


def side_by_side(runs: list[dict], reference: list[dict], tree: Path | None) -> list[str]:
    """The command against the reference tree's, run for run: medians of wall and CPU seconds, their
    ratios, each stage's median, and whether every pair wrote the same upload CSV."""
    if not reference:
        return []
    median = lambda rows, key: float(np.median([r[key] for r in rows]))  # noqa: E731
    named = ("calibrate", "simulate", "solve", "evaluate")

    def parts(run: dict) -> dict[str, float]:
        stage = run["timings"]
        return {"start-up and imports": run["seconds"] - stage["total"],
                "reading": stage["total"] - sum(stage[name] for name in named),
                **{name: stage[name] for name in named}}

    split = ", ".join(f"{name} {float(np.median([parts(r)[name] for r in reference])):.2f} → "
                      f"{float(np.median([parts(r)[name] for r in runs])):.2f}" for name in parts(runs[0]))
    same = all(a["upload"] == b["upload"] for a in runs for b in reference)
    return [
        f"against the reference tree {tree} (alternating, {len(runs)} runs each; median): wall "
        f"{median(reference, 'seconds'):.2f} → {median(runs, 'seconds'):.2f} s "
        f"({median(reference, 'seconds') / median(runs, 'seconds'):.2f}×), CPU {median(reference, 'cpu'):.2f} → "
        f"{median(runs, 'cpu'):.2f} s ({median(reference, 'cpu') / median(runs, 'cpu'):.2f}×); stages (reference → "
        f"this) {split}; the same upload CSV in every run: {'yes' if same else 'NO'}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--date", default="2024-05-27")
    parser.add_argument("--track", default="Charlotte Motor Speedway")
    parser.add_argument("--scenarios", type=int, default=10_000)
    parser.add_argument("--lineups", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3, help="pitwall solves (the median is reported)")
    parser.add_argument("--command-runs", type=int, default=1, help="runs of the whole command (the median is reported)")
    parser.add_argument("--scoring-rounds", type=int, default=3, help="rounds of the evaluation's scoring, now and before")
    parser.add_argument("--reference-tree", type=Path, help="a directory holding pitwall's package from another "
                        "commit: its command is run beside this one's, alternating (--command-runs each)")
    args = parser.parse_args()

    race = past_race(History.from_csv(), args.date, args.track)
    slate = race.slate
    began = time.perf_counter()
    points = scenarios(race, args.scenarios, seed=1)
    simulate_seconds = time.perf_counter() - began
    controls = Controls(n_lineups=args.lineups, max_exposure=0.5, max_overlap=4)

    solves = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        portfolio = solve(points, slate.salaries, controls, payout=PayoutTable.gpp(), seed=7)
        solves.append(time.perf_counter() - began)
    pitwall_seconds = float(np.median(solves))
    runs, reruns, reference = [], [], []
    with tempfile.TemporaryDirectory(prefix="pitwall-speed-") as folder:
        # Untimed: keeps the parsed history in the bench's cache, as `make install` does in the user's.
        command(race, args.scenarios, args.lineups, Path(folder))
        if args.reference_tree is not None:
            command(race, args.scenarios, args.lineups, Path(folder), args.reference_tree)  # untimed: caches its loops
        for _ in range(args.command_runs):
            runs.append(command(race, args.scenarios, args.lineups, Path(folder)))
            reruns.append(command(race, args.scenarios, args.lineups, Path(folder), first=False))
            if args.reference_tree is not None:
                reference.append(command(race, args.scenarios, args.lineups, Path(folder), args.reference_tree))
    whole = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    again = sorted(reruns, key=lambda r: r["seconds"])[len(reruns) // 2]
    scoring = evaluation_scoring(race, whole["lineups"], whole["evaluation"]["count"], 7, args.scoring_rounds)
    theirs, pydfs_seconds = pydfs(slate, points.mean(axis=0), args.lineups, 0.5, 4)

    stages = whole["timings"]
    start_up = whole["seconds"] - stages["total"]
    peak = max(r["peak_bytes"] for r in runs + reruns)
    cpu = [r["cpu"] for r in runs]
    rows = [
        ["pitwall solve (scenario objective)", f"{pitwall_seconds:.2f}", f"{pydfs_seconds / pitwall_seconds:.1f}×"],
        ["pitwall simulate + solve", f"{simulate_seconds + pitwall_seconds:.2f}",
         f"{pydfs_seconds / (simulate_seconds + pitwall_seconds):.1f}×"],
        [f"pitwall optimize, the whole command, first run on the slate (median of {len(runs)})",
         f"{whole['seconds']:.2f}", f"{pydfs_seconds / whole['seconds']:.1f}×"],
        [f"pitwall optimize, the whole command, rerun on the slate (median of {len(reruns)})",
         f"{again['seconds']:.2f}", f"{pydfs_seconds / again['seconds']:.1f}×"],
        ["pydfs-lineup-optimizer 3.6.1", f"{pydfs_seconds:.2f}", "1.0×"],
    ]
    named = ("calibrate", "simulate", "solve", "evaluate")
    # The command's total runs from its first step, reading the history CSV and the slate, to its summary.
    reading = stages["total"] - sum(stages[name] for name in named)
    split = ", ".join(f"{name} {stages[name]:.2f}" for name in named)
    text = "\n".join([
        f"Speed: {args.lineups} lineups, max overlap 4, max exposure 0.5 — {slate.track} {slate.date}, "
        f"{len(slate.entries)} drivers, {portfolio.candidates:,} salary-feasible lineups, {args.scenarios:,} scenarios",
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}; pitwall median of {len(solves)} solves {', '.join(f'{s:.2f}' for s in solves)} s; "
        f"solver stages {portfolio.timings}",
        "",
        table(["", "seconds", "pydfs time ÷ this"], rows),
        f"\nspeed ratio (pydfs ÷ pitwall solve): {pydfs_seconds / pitwall_seconds:.1f}×  (pydfs built {len(theirs)} lineups)",
        f"speed ratio (pydfs ÷ the whole pitwall command): first run on the slate {pydfs_seconds / whole['seconds']:.1f}×, "
        f"rerun {pydfs_seconds / again['seconds']:.1f}×  (target ≥ 10×)",
        f"the command's {whole['seconds']:.2f} s: interpreter start-up and imports {start_up:.2f}, reading the "
        f"history CSV and the slate {reading:.2f}, {split} (evaluation on {whole['evaluation']['count']:,} held-out "
        "scenarios); "
        f"runs {', '.join(f'{seconds:.2f}' for seconds in (r['seconds'] for r in runs))} s",
        f"the rerun's {again['seconds']:.2f} s: calibrate {again['timings']['calibrate']:.2f} (the kept model), "
        f"solve {again['timings']['solve']:.2f}, evaluate {again['timings']['evaluate']:.2f}; runs "
        f"{', '.join(f'{seconds:.2f}' for seconds in (r['seconds'] for r in reruns))} s; the same upload CSV as the first runs': "
        f"{'yes' if all(r['upload'] == whole['upload'] for r in reruns) else 'NO'}",
        f"the command's CPU seconds (user + system): median {np.median(cpu):.2f} (runs "
        f"{', '.join(f'{seconds:.2f}' for seconds in cpu)})",
        *side_by_side(runs, reference, args.reference_tree),
        f"peak memory of the command (ru_maxrss): {peak / 2**20:,.0f} MiB  (target < 2 GiB: "
        f"{'met' if peak < 2 * GIB else 'MISSED'})",
        f"evaluation's contest scoring ({scoring['scenarios']:,} scenarios × {len(whole['lineups'])} lineups against "
        f"{scoring['field']:,} opponents, median of {args.scoring_rounds}): {scoring['now']:.2f} s against "
        f"{scoring['before']:.2f} s before = {scoring['before'] / scoring['now']:.1f}×, identical to the bit: "
        f"{'yes' if scoring['identical'] else 'NO'}",
        "command: " + " ".join(whole["argv"][1:]),
    ])
    print(text, flush=True)
    write("portfolio_speed", text, {
        "slate": {"track": slate.track, "date": str(slate.date), "drivers": len(slate.entries)},
        "candidates": portfolio.candidates,
        "scenarios": args.scenarios,
        "pitwall_solve_seconds": solves,
        "pitwall_simulate_seconds": simulate_seconds,
        "pydfs_seconds": pydfs_seconds,
        "ratio": pydfs_seconds / pitwall_seconds,
        "solver_stages": portfolio.timings,
        "command_seconds": [r["seconds"] for r in runs],
        "rerun_command_seconds": [r["seconds"] for r in reruns],
        "rerun_command_stages": [r["timings"] for r in reruns],
        "command_cpu_seconds": [r["cpu"] for r in runs],
        "reference_tree": str(args.reference_tree) if args.reference_tree else None,
        "reference_command_seconds": [r["seconds"] for r in reference],
        "reference_command_cpu_seconds": [r["cpu"] for r in reference],
        "reference_command_stages": [r["timings"] for r in reference],
        "command_stages": [r["timings"] for r in runs],
        "command_peak_bytes": [r["peak_bytes"] for r in runs],
        "whole_ratio": pydfs_seconds / whole["seconds"],
        "rerun_ratio": pydfs_seconds / again["seconds"],
        "evaluation_scoring": scoring,
    })


if __name__ == "__main__":
    main()
