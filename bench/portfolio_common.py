"""What the portfolio benchmarks share: past races as slates, the pydfs baseline, paired statistics."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pitwall.calibration import calibrate
from pitwall.history import Actual, History, slate_from_race
from pitwall.simulation import RaceModel, simulate
from pitwall.slate import Slate

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYDFS_PYTHON = os.environ.get("PYDFS_PYTHON", str(ROOT / "bench" / ".venv-pydfs" / "bin" / "python"))
PYDFS_RUNNER = ROOT / "bench" / "pydfs_portfolio.py"


@dataclass
class Race:
    slate: Slate
    actual: Actual
    model: RaceModel


def past_race(history: History, date: str, track: str, series: str = "Cup") -> Race:
    """A past race as a slate with pre-race salaries, its model calibrated on earlier races."""
    slate, actual = slate_from_race(history, series, dt.date.fromisoformat(date), track)
    return Race(slate, actual, calibrate(history, slate))


def scenarios(race: Race, n: int, seed: int) -> np.ndarray:
    return simulate(race.model, n, seed).points


def pydfs(slate: Slate, projection: np.ndarray, n: int, max_exposure: float | None, max_overlap: int | None):
    """pydfs-lineup-optimizer's portfolio (driver indices) and its own build time."""
    request = {
        "players": [
            {"id": e.dk_id, "name": e.name, "salary": e.salary, "projection": float(p)}
            for e, p in zip(slate.entries, projection)
        ],
        "lineups": n,
        "max_exposure": max_exposure,
        "max_overlap": max_overlap,
    }
    done = subprocess.run(
        [PYDFS_PYTHON, str(PYDFS_RUNNER)], input=json.dumps(request), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"pydfs failed:\n{done.stderr}")
    answer = json.loads(done.stdout)
    by_id = {e.dk_id: i for i, e in enumerate(slate.entries)}
    return np.array([sorted(by_id[d] for d in lineup) for lineup in answer["lineups"]]), answer["seconds"]


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean of a − b over the same scenarios and its standard error."""
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    return float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def write(name: str, text: str, data: object) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.md").write_text(text + "\n")
    (OUT / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")
