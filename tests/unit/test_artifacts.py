"""Every text from a request reaches the run's Prefect artifacts escaped (no Prefect server needed)."""

from __future__ import annotations

import json
import threading

import pytest

import flows.artifacts as artifacts
from pitwall.text import escape_markdown

LINK = "[click me](javascript:alert(1))"
IMG = "<img src=x onerror=alert(1)>"


def _result() -> dict:
    lineup = {"drivers": [LINK, "Ricky Stenhouse Jr.", "A | B"], "salary": 49_800, "projection": 250.1,
              "roi": 0.12, "top1_rate": 0.02, "cash_rate": 0.3}
    return {
        "lineups": [lineup],
        "exposures": {LINK: 1.0, "Ricky Stenhouse Jr.": 1.0, "A | B": 1.0},
        "slate": {"track": IMG, "series": "`Cup`\n# injected", "date": "2024-11-10"},
        "metrics": {
            "scenarios": 500, "scenario_seed": 8, "field": {"style": "sharp"},
            "contest": {"entries": 1000, "entry_fee": 20.0},
            "roi": 0.1, "roi_se": 0.01, "top1_rate": 0.02, "top1_se": 0.001, "any_top1_rate": 0.02,
            "win_rate": 0.001, "cash_rate": 0.3, "expected_best_score": 250.0, "mean_overlap": 1.0,
        },
        "timings": {"solve": 1.0},
    }


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    made: list[dict] = []
    monkeypatch.setattr(artifacts, "create_table_artifact",
                        lambda table, key, description: made.append({"kind": "table", "data": table, "key": key,
                                                                     "description": description}))
    monkeypatch.setattr(artifacts, "create_markdown_artifact",
                        lambda markdown, key, description: made.append({"kind": "markdown", "data": markdown, "key": key,
                                                                        "description": description}))
    artifacts.publish_result("abc123", _result())
    return made


def test_no_artifact_carries_live_markup(published: list[dict]) -> None:
    assert [a["kind"] for a in published] == ["table", "table", "markdown"]
    for artifact in published:
        text = json.dumps(artifact["data"], ensure_ascii=False) + artifact["description"]
        assert "](javascript:" not in text and "<img" not in text, artifact


def test_table_cells_hold_the_escaped_names(published: list[dict]) -> None:
    portfolio, exposures, _ = published
    assert portfolio["data"][0]["drivers"] == ", ".join(escape_markdown(n) for n in [LINK, "Ricky Stenhouse Jr.", "A | B"])
    assert [row["driver"] for row in exposures["data"]] == [escape_markdown(n) for n in [LINK, "Ricky Stenhouse Jr.", "A | B"]]
    assert portfolio["data"][0]["salary"] == 49_800  # numbers stay numbers


def test_the_markdown_heading_is_one_line_with_the_escaped_track(published: list[dict]) -> None:
    markdown = published[2]["data"]
    heading = markdown.splitlines()[0]
    assert heading == f"# Portfolio for {escape_markdown(IMG)} ({escape_markdown('`Cup` # injected')}, 2024\\-11\\-10)"
    assert "# injected" not in markdown.splitlines()[1:]


def test_progress_moves_queued_behind_a_slow_server_coalesce_to_the_newest(monkeypatch: pytest.MonkeyPatch) -> None:
    server_answers = threading.Event()
    sent: list[tuple[float, str]] = []
    monkeypatch.setattr(artifacts, "create_progress_artifact",
                        lambda progress, key, description: server_answers.wait(5) and "artifact-id")
    monkeypatch.setattr(artifacts, "update_progress_artifact",
                        lambda artifact, progress, description: sent.append((progress, description)))
    progress = artifacts.RunProgress("abc123")
    for share, stage in [(0.05, "load-slate"), (0.45, "solve"), (0.95, "persist"), (1.0, "done")]:
        progress.update(stage, share)  # returns at once, the server still busy with the artifact's creation
    server_answers.set()
    progress.close()
    assert sent == [(100.0, "stage: done")]
