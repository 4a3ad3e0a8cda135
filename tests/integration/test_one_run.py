"""One run, one composition: `pitwall optimize` and the optimize-slate flow give the same portfolio.

The same slate (the sample slate, inline in the job; its DraftKings CSV on the command line), seed, scenario
counts, lineups, controls and contest go through both paths. The command line reads the history from the
bundled CSV; the flow reads it from Neo4j, which scripts/test.sh seeded from that CSV. Both call the steps
of `pitwall.run`, so the lineups (as DraftKings id sets, in the order chosen), the drivers without history
and the contest metrics must be identical.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.optimize import build
from pitwall.cli import app
from pitwall.documents import RunResult
from pitwall.request import OptimizeRequest
from pitwall.settings import get_settings
from pitwall.stores.jobs import JobStore
from tests.conftest import SAMPLE_SLATE, inline_request

pytestmark = pytest.mark.integration

SEED = 5
SCENARIOS = 2_000
EVALUATION_SCENARIOS = 1_000
LINEUPS = 5
SHARDS = 3
ENTRIES = 2_000
ENTRY_FEE = 5.0
MAX_EXPOSURE = 0.8
MAX_OVERLAP = 4
MIN_SALARY = 45_000
LOCK = "Kyle Larson"
EXCLUDE = "Christopher Bell"


def flow_result() -> RunResult:
    request = inline_request()
    request["scenario_config"] = {"n_scenarios": SCENARIOS, "seed": SEED, "shards": SHARDS}
    request["portfolio"] = {"n_lineups": LINEUPS, "max_exposure": MAX_EXPOSURE, "max_overlap": MAX_OVERLAP,
                            "min_salary": MIN_SALARY, "locks": [LOCK], "excludes": [EXCLUDE]}
    request["contest"] = {"entries": ENTRIES, "entry_fee": ENTRY_FEE, "field": "sharp",
                          "evaluation_scenarios": EVALUATION_SCENARIOS}
    store = JobStore.from_settings(get_settings())
    try:
        job, created = store.create(OptimizeRequest.model_validate(request).model_dump(mode="json"))
        assert created
        build("")(job.run_id)
        done = store.get(job.run_id)
        assert done.status == "complete", done.error
        return RunResult.model_validate(store.result(job.run_id))
    finally:
        store.close()


def cli_run(folder: Path) -> tuple[dict, list[frozenset[int]]]:
    race = inline_request()["race"]
    out, summary = folder / "lineups.csv", folder / "summary.json"
    result = CliRunner().invoke(app, [
        "optimize", "--slate", str(SAMPLE_SLATE), "--track", race["track"], "--date", race["date"],
        "--laps", str(race["laps"]), "--lineups", str(LINEUPS), "--scenarios", str(SCENARIOS), "--seed", str(SEED),
        "--evaluation-scenarios", str(EVALUATION_SCENARIOS), "--max-exposure", str(MAX_EXPOSURE),
        "--max-overlap", str(MAX_OVERLAP), "--min-salary", str(MIN_SALARY), "--lock", LOCK, "--exclude", EXCLUDE,
        "--entries", str(ENTRIES), "--entry-fee", str(ENTRY_FEE), "--field", "sharp",
        "--out", str(out), "--json", str(summary), "--quiet",
    ])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text())))
    return json.loads(summary.read_text()), [frozenset(int(cell) for cell in row) for row in rows[1:]]


def test_the_command_line_and_the_flow_build_the_same_portfolio(tmp_path: Path) -> None:
    summary, cli_lineups = cli_run(tmp_path)
    result = flow_result()

    assert [frozenset(lineup.dk_ids) for lineup in result.lineups] == cli_lineups
    assert len(cli_lineups) == LINEUPS
    assert [d.model_dump(mode="json") for d in result.drivers_without_history] == summary["drivers_without_history"]
    assert result.solver.model_dump(mode="json") | {"timings": None} == summary["solver"] | {"timings": None}

    cli_metrics = dict(summary["metrics"])
    assert cli_metrics.pop("exposures") == result.exposures
    assert [{k: v for k, v in lineup.model_dump().items() if k in per_lineup} for lineup, per_lineup
            in zip(result.lineups, cli_metrics["lineups"])] == cli_metrics.pop("lineups")
    assert result.metrics.model_dump(mode="json") == cli_metrics
    assert summary["scenarios"]["evaluate"] == {"count": EVALUATION_SCENARIOS, "seed": result.metrics.scenario_seed}
