"""What a run shows operators in the Prefect UI: its progress, the portfolio, exposures, contest metrics.

The UI renders markdown artifacts, and the cells of table artifacts, as markdown: every text that came from a
request (driver, track and series names, the date, the field style) goes through `escape_markdown`, so a name
such as `[click me](javascript:alert(1))` shows as those characters, never as a link or an HTML element.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from pitwall.text import escape_markdown as md


class RunProgress:
    """A progress artifact moved stage by stage; keyed by run id so the UI groups a job's retries."""

    def __init__(self, run_id: str):
        self.artifact: UUID = create_progress_artifact(0.0, key=f"progress-{run_id}", description="stage: start")

    def update(self, stage: str, progress: float) -> None:
        update_progress_artifact(self.artifact, round(progress * 100, 1), description=f"stage: {stage}")


def publish_result(run_id: str, result: dict[str, Any]) -> None:
    lineups = result["lineups"]
    create_table_artifact(
        [
            {
                "#": n,
                "drivers": ", ".join(md(name) for name in lineup["drivers"]),
                "salary": lineup["salary"],
                "projection": lineup["projection"],
                "roi": lineup["roi"],
                "top1_rate": lineup["top1_rate"],
                "cash_rate": lineup["cash_rate"],
            }
            for n, lineup in enumerate(lineups, 1)
        ],
        key=f"portfolio-{run_id}",
        description=f"{len(lineups)} lineups, metrics on held-out scenarios",
    )
    create_table_artifact(
        [{"driver": md(name), "exposure": share} for name, share in result["exposures"].items()],
        key=f"exposures-{run_id}",
        description="share of the portfolio's lineups holding each driver",
    )
    slate, metrics = result["slate"], result["metrics"]
    create_markdown_artifact(
        "\n".join([
            f"# Portfolio for {md(slate['track'])} ({md(slate['series'])}, {md(slate['date'])})",
            "",
            f"{len(lineups)} lineups, evaluated on {metrics['scenarios']:,} scenarios the solver did not see "
            f"(seed {metrics['scenario_seed']}) against a {md(metrics['field']['style'])} field of "
            f"{metrics['contest']['entries']:,} entries at ${metrics['contest']['entry_fee']:g}.",
            "",
            "| metric | value |",
            "|---|---:|",
            f"| expected ROI | {metrics['roi']:+.3f} ± {metrics['roi_se']:.3f} |",
            f"| top-1% rate per lineup | {metrics['top1_rate']:.4f} ± {metrics['top1_se']:.4f} |",
            f"| any lineup in the top 1% | {metrics['any_top1_rate']:.4f} |",
            f"| win rate per lineup | {metrics['win_rate']:.5f} |",
            f"| cash rate per lineup | {metrics['cash_rate']:.3f} |",
            f"| expected best score | {metrics['expected_best_score']:.1f} |",
            f"| mean overlap | {metrics['mean_overlap']:.2f} |",
            "",
            "Stage seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in result["timings"].items()),
        ]),
        key=f"contest-{run_id}",
        description="contest metrics of the portfolio",
    )
