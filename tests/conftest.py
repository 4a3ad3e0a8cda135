"""Shared fixtures. Integration tests run against the stack scripts/test.sh started on test ports."""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _api_url() -> str:
    return f"http://127.0.0.1:{os.environ.get('PITWALL_API_PORT', '8000')}"


@pytest.fixture(scope="session")
def api_url() -> str:
    url = _api_url()
    try:
        httpx.get(f"{url}/health", timeout=3).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.fail(f"no pitwall API at {url} ({exc}); integration tests run under `make test`, which starts the stack")
    return url


SAMPLE_SLATE = ROOT / "examples/sample-slate/DKSalaries.csv"


def no_traceback(response: httpx.Response) -> None:
    response.read()
    assert "Traceback" not in response.text and 'File "' not in response.text, (
        f"{response.request.method} {response.request.url} leaked a stack trace: {response.text[:500]}"
    )


@pytest.fixture
def api(api_url: str) -> Iterator[httpx.Client]:
    """A client of the test stack's API that fails the test on any response carrying a stack trace."""
    with httpx.Client(base_url=api_url, timeout=30, event_hooks={"response": [no_traceback]}) as client:
        yield client


def inline_request(path: Path = SAMPLE_SLATE) -> dict:
    """The sample slate as an inline request, small enough to finish in seconds."""
    with open(path, newline="") as handle:
        drivers = [
            {"name": row["Name"], "dk_id": int(row["ID"]), "salary": int(row["Salary"]), "start": int(row["Start"])}
            for row in csv.DictReader(handle)
        ]
    return {
        "race": {"track": "Phoenix Raceway", "date": "2024-11-10", "laps": 312},
        "drivers": drivers,
        "scenario_config": {"n_scenarios": 500},
        "portfolio": {"n_lineups": 3},
    }


def stack(*args: str) -> str:
    """Drive the test stack with its own script (start/stop/kill a service), as an operator would."""
    done = subprocess.run(["bash", str(ROOT / "scripts/stack.sh"), *args], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"stack.sh {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@pytest.fixture
def stack_ctl() -> Callable[..., str]:
    return stack


@pytest.fixture
def restores() -> Iterator[list[str]]:
    """Services a test took down; each is started again afterwards whatever the outcome (a no-op if running)."""
    down: list[str] = []
    yield down
    for service in down:
        stack("start", service)


def wait_until(predicate: Callable[[], object], timeout: float = 60, every: float = 0.5, what: str = "condition"):
    """Poll until predicate() is truthy and return its value; fail the test with `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(every)


def wait_for_status(api: httpx.Client, run_id: str, statuses: set[str], timeout: float = 90) -> dict:
    def check() -> dict | None:
        response = api.get(f"/api/v1/jobs/{run_id}")
        if response.status_code == 200 and response.json()["status"] in statuses:
            return response.json()
        return None

    return wait_until(check, timeout, what=f"job {run_id} to reach {sorted(statuses)}")


def free_port(preferred: int | None = None) -> int:
    """`preferred` when it is free, else any free port on the loopback."""
    if preferred is not None:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", preferred))
                return preferred
            except OSError:
                pass
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def api_process(env: dict[str, str], log: Path, what: str, port: int | None = None) -> Iterator[str]:
    """An API process of its own, started with `env` (the stack's settings with some changed), logging to
    `log`; yields its URL once /health answers, and stops it by its pid."""
    port = free_port() if port is None else port
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "uvicorn"), "service.app:app", "--host", "127.0.0.1",
             "--port", str(port), "--no-access-log"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            return httpx.get(f"{url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, timeout=60, what=f"{what} on port {port}")
        yield url
    finally:
        end(process)


def end(process: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a process a test started, by its pid: asked first, killed if it does not go."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
