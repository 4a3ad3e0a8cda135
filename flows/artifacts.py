"""What a run shows operators in the Prefect UI: its progress, the portfolio, exposures, contest metrics.

The UI renders markdown artifacts, and the cells of table artifacts, as markdown: every text that came from a
request (driver, track and series names, the date, the field style) goes through `escape_markdown`, so a name
such as `[click me](javascript:alert(1))` shows as those characters, never as a link or an HTML element.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Mapping
from typing import Any, TypeVar, get_args, get_origin

from prefect import get_run_logger
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from pydantic import BaseModel

from pitwall.documents import RunResult
from pitwall.text import escape_markdown as md

M = TypeVar("M", bound=BaseModel)


class RunProgress:
    """A progress artifact moved stage by stage; keyed by run id so the UI groups a job's retries.

    Every move is a call to the Prefect server, which a loaded server answers in tenths of a second: the moves
    go out from a thread of their own, in order, so the run's stages never wait on them, and a move still
    queued when a newer one arrives is skipped. Best effort, like the job's stage in Redis: a server that
    does not answer costs the UI its progress bar, not the run. `close` sends what is queued.
    """

    def __init__(self, run_id: str):
        self._moves: queue.SimpleQueue[tuple[str, float] | None] = queue.SimpleQueue()
        # A copy of the flow run's context, so the artifact belongs to the run and the thread can log to it.
        context = contextvars.copy_context()
        self._thread = threading.Thread(target=context.run, args=(self._publish, run_id), name="pitwall-progress",
                                        daemon=True)
        self._thread.start()

    def update(self, stage: str, progress: float) -> None:
        self._moves.put((stage, progress))

    def close(self, timeout: float = 30.0) -> None:
        self._moves.put(None)
        self._thread.join(timeout)

    def _publish(self, run_id: str) -> None:
        try:
            artifact = create_progress_artifact(0.0, key=f"progress-{run_id}", description="stage: start")
            closed = False
            while not closed:
                moves = self._queued()
                closed = None in moves
                # Only the newest move matters: the older ones are already out of date.
                latest = next((move for move in reversed(moves) if move is not None), None)
                if latest is not None:
                    stage, progress = latest
                    update_progress_artifact(artifact, round(progress * 100, 1), description=f"stage: {stage}")
        except Exception as exc:  # noqa: BLE001 - best effort: the run goes on without its progress bar
            get_run_logger().warning("run %s: progress artifact not updated: %s", run_id, exc)

    def _queued(self) -> list[tuple[str, float] | None]:
        """Every move queued by now, waiting for the first; None marks `close`."""
        moves = [self._moves.get()]
        while not self._moves.empty():
            moves.append(self._moves.get())
        return moves


def publish_result(run_id: str, result: RunResult | Mapping[str, Any]) -> None:
    """The portfolio, its exposures and its contest metrics as the run's artifacts.

    A plain mapping (a stored document's JSON) is read as the model without validating it.
    """
    result = _as_result(result)
    lineups = result.lineups
    create_table_artifact(
        [
            {
                "#": n,
                "drivers": ", ".join(md(name) for name in lineup.drivers),
                "salary": lineup.salary,
                "projection": lineup.projection,
                "roi": lineup.roi,
                "top1_rate": lineup.top1_rate,
                "cash_rate": lineup.cash_rate,
                "field_duplicates": lineup.field_duplicates,
            }
            for n, lineup in enumerate(lineups, 1)
        ],
        key=f"portfolio-{run_id}",
        description=f"{len(lineups)} lineups, metrics on held-out scenarios",
    )
    create_table_artifact(
        [{"driver": md(name), "exposure": share} for name, share in result.exposures.items()],
        key=f"exposures-{run_id}",
        description="share of the portfolio's lineups holding each driver",
    )
    slate, metrics = result.slate, result.metrics
    contest = metrics.contest
    prizes = (f" (first prize ${contest.first_prize:,.2f}, {contest.paid_places:,} places paid)"
              if contest.first_prize is not None else "")
    create_markdown_artifact(
        "\n".join([
            f"# Portfolio for {md(slate.track)} ({md(slate.series)}, {md(str(slate.date))})",
            "",
            f"{len(lineups)} lineups, evaluated on {metrics.scenarios:,} scenarios the solver did not see "
            f"(seed {metrics.scenario_seed}) against a {md(metrics.field.style)} field of "
            f"{contest.entries:,} entries at ${contest.entry_fee:g}{prizes}.",
            "",
            "| metric | value |",
            "|---|---:|",
            f"| expected ROI | {metrics.roi:+.3f} ± {metrics.roi_se:.3f} |",
            f"| top-1% rate per lineup | {metrics.top1_rate:.4f} ± {metrics.top1_se:.4f} |",
            f"| any lineup in the top 1% | {metrics.any_top1_rate:.4f} |",
            f"| win rate per lineup | {metrics.win_rate:.5f} |",
            f"| cash rate per lineup | {metrics.cash_rate:.3f} |",
            f"| expected best score | {metrics.expected_best_score:.1f} |",
            f"| mean overlap | {metrics.mean_overlap:.2f} |",
            "",
            "Stage seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in result.timings.items()),
        ]),
        key=f"contest-{run_id}",
        description="contest metrics of the portfolio",
    )


def _as_result(result: RunResult | Mapping[str, Any]) -> RunResult:
    if isinstance(result, RunResult):
        return result
    return _construct(RunResult, result)


def _construct(model: type[M], data: Mapping[str, Any]) -> M:
    """`model` over `data` without validation, nested models included: only the fields present are set."""
    return model.model_construct(**{
        name: _value(field.annotation, data[name]) for name, field in model.model_fields.items() if name in data
    })


def _value(annotation: Any, value: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(value, Mapping):
        return _construct(annotation, value)
    if get_origin(annotation) is list and isinstance(value, list):
        (item,) = get_args(annotation)
        return [_value(item, v) for v in value]
    return value
