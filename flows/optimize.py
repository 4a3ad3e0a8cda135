"""The `optimize-slate` flow: one job from its request in Redis to its portfolio in Redis.

start → load slate → calibrate → scenarios in shards → solve → evaluate (and lineage beside it) → result → persist.
With an entries file, solve and evaluate run once per contest of it, in file order (a later contest's
exposure can depend on the earlier ones' lineups), and the result carries the file filled.
Calibration is cached across runs under the slate, the history's fingerprint and the domain code
(tasks/scenarios.py), so every job of a slate after the first skips it until new results are seeded.
The body only orders tasks; each task wraps one step of a run (`pitwall.run`), the steps
`pitwall optimize` calls too (the quick last one, the result document, is called as it is).
Task results are persisted (PREFECT_RESULTS_PERSIST_BY_DEFAULT in the stack), so an operator's retry
of a failed run reuses the finished shards (and solved contests) and recomputes only what failed.
The shards run on Prefect's thread pool, or on a Dask cluster when PITWALL_DASK_ADDRESS names one.
"""

from __future__ import annotations

import contextvars
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from prefect import Flow, flow, get_run_logger, unmapped

from flows.artifacts import RunProgress, publish_result
from flows.hooks import mirror_state
from flows.submit import FLOW_RUN_NAME
from pitwall import kernels, run
from pitwall.dkentries import read_entries
from pitwall.request import OptimizeRequest
from pitwall.settings import get_settings
from tasks.jobs import persist_result, report_stage, start_job
from tasks.lineage import record_lineage
from tasks.portfolio import evaluate, solve, solve_contest
from tasks.scenarios import apply_projections, calibrate_race, generate_scenarios, history_fingerprint
from tasks.slate import load_slate

_HOOKS = [mirror_state]


@flow(
    name="optimize-slate",
    flow_run_name=FLOW_RUN_NAME,
    on_running=_HOOKS,
    on_completion=_HOOKS,
    on_failure=_HOOKS,
    on_crashed=_HOOKS,
    on_cancellation=_HOOKS,
)
def optimize_slate(run_id: str) -> dict[str, Any]:
    log = get_run_logger()
    timings: dict[str, float] = {}
    current: list[tuple[str, float]] = []
    progress = RunProgress(run_id)

    def begin(stage: str, share: float) -> None:
        """Record the stage the job is in (and how long the previous one took)."""
        now = time.perf_counter()
        if current:
            timings[current[-1][0]] = now - current[-1][1]
        current.append((stage, now))
        report_stage(run_id, stage, share)
        progress.update(stage, share)

    # Each run is a fresh process: the solver's compiled loops load while the slate and history are read.
    threading.Thread(target=kernels.warm_up, name="pitwall-warm-up", daemon=True).start()
    request = OptimizeRequest.model_validate(start_job(run_id))
    begin("load-slate", 0.05)
    slate = load_slate(request)
    log.info("run %s: %s %s on %s, %d drivers", run_id, slate.series, slate.track, slate.date, len(slate.entries))

    begin("calibrate", 0.1)
    model = calibrate_race(slate, request.strict_names, history_fingerprint())
    config = request.scenario_config
    warnings: tuple[str, ...] = ()
    # A task run costs the Prefect server states, events and logs: only a request with projections has one.
    if request.projections_csv:
        model, warnings = apply_projections(model, slate, request.projections_csv, config.n_scenarios, config.seed)

    begin("simulate", 0.2)
    shards = generate_scenarios.map(
        unmapped(model), unmapped(config.n_scenarios), unmapped(config.seed), range(config.shards), unmapped(config.shards)
    ).result()

    # With an entries file, one portfolio per contest in it, in file order; else the request's one.
    plans = request.entry_plans()
    begin("solve", 0.45)
    if plans:
        total = sum(plan.n_lineups for plan in plans)
        solutions = []
        for plan in plans:
            solutions.append(solve_contest(slate, shards, request.contest_portfolio(plan), plan, config.seed,
                                           request.exposure_across_contests, total,
                                           [s.portfolio.lineups for s in solutions],
                                           request.ownership_csv))
    else:
        solutions = [solve(slate, shards, request.portfolio, request.contest, config.seed, request.ownership_csv)]

    begin("evaluate", 0.75)
    contests = [plan.config for plan in plans] or [request.contest]
    lineups = np.concatenate([solution.portfolio.lineups for solution in solutions])
    # The lineage waits on Neo4j, the evaluation on the cores: the lineage is written beside the evaluation
    # (in a thread of this process whatever the task runner, in a copy of the run's context so it is a task
    # run of this flow run), and its stage is what is left of it once the evaluation is done.
    with ThreadPoolExecutor(1, thread_name_prefix="pitwall-lineage") as beside:
        lineage = beside.submit(contextvars.copy_context().run, record_lineage, run_id, slate, request.slate_id,
                                lineups)
        metrics = [evaluate(slate, model, solution, contest, config.seed)
                   for solution, contest in zip(solutions, contests)]
        begin("lineage", 0.9)
        slate_id = lineage.result()

    begin("persist", 0.95)
    # The result document is built here, not in a task of its own: it is quick, and nothing to resume.
    if plans:
        result = run.build_entries_result(slate, slate_id, read_entries(request.entries_csv), plans, solutions,
                                          metrics, timings, model.newcomers, warnings)
    else:
        result = run.build_result(slate, slate_id, solutions[0], metrics[0], timings, model.newcomers, warnings)
    # Artifacts first: whoever sees the job complete finds the run's artifacts there too.
    publish_result(run_id, result)
    persist_result(run_id, result)
    progress.update("done", 1.0)
    progress.close()
    log.info("run %s: %d lineups, out-of-sample ROI %.3f", run_id, len(result.lineups), metrics[0].roi)
    return {"run_id": run_id, "lineups": len(result.lineups), "roi": metrics[0].roi}


def build(dask_address: str | None = None) -> Flow:
    """optimize-slate with the task runner its shards go to: only mapped and submitted tasks reach the
    runner, and here those are the scenario shards; the other stages run in the flow's own process.

    `dask_address` defaults to PITWALL_DASK_ADDRESS; empty keeps Prefect's thread pool.
    """
    address = get_settings().dask_address if dask_address is None else dask_address
    if not address:
        return _default
    # Imported here: a process that never uses Dask does not pay for importing it.
    from prefect_dask import DaskTaskRunner

    return _default.with_options(task_runner=DaskTaskRunner(address=address))


_default = optimize_slate
# The deployment's entrypoint: the runner is chosen as the worker's flow process loads this module,
# so the address comes from that process's environment.
optimize_slate = build()
