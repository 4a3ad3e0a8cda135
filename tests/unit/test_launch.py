"""The flow-run launcher (deployments/launch.py) runs the engine itself when no fork server answers: a
work pool whose command is the launcher still runs flows on a plain process worker."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

LAUNCHER = ROOT / "deployments/launch.py"


def launch(env: dict[str, str]) -> subprocess.CompletedProcess:
    # /bin/echo stands in for the interpreter the fallback runs, so the test sees the command it gets.
    base = {k: v for k, v in os.environ.items() if k != "PITWALL_FORKSERVER"}
    return subprocess.run([sys.executable, "-I", "-S", str(LAUNCHER), "RUN-ID"], capture_output=True, text=True,
                          timeout=30, env={**base, "PITWALL_FLOW_PYTHON": "/bin/echo", **env})


def test_without_a_fork_server_it_becomes_the_engine() -> None:
    done = launch({})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["-m", "prefect.engine", "RUN-ID"]


def test_a_fork_server_that_does_not_answer_is_passed_over() -> None:
    done = launch({"PITWALL_FORKSERVER": f"pitwall-forkserver-test-nobody-{os.getpid()}"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["-m", "prefect.engine", "RUN-ID"]
