"""The `pitwall` executable's exit: the interpreter's statuses and output, without its teardown."""

from __future__ import annotations

import subprocess
import sys

import pytest

# A stand-in for the command line, so each way a command can end is one line; the rest is pitwall.console as installed.
CHILD = """
import sys
import pitwall.cli

class TornDown:
    def __del__(self):
        print("torn down", file=sys.stderr)

kept = TornDown()  # a module global: freed only by the interpreter's teardown
def app():
    print("a line of output")
{ending}
pitwall.cli.app = app
from pitwall.console import run
sys.exit(run())
"""


def ended(ending: str) -> subprocess.CompletedProcess:
    script = CHILD.format(ending="\n".join("    " + line for line in ending.splitlines()))
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("ending", "status"),
    [("return", 0), ("raise SystemExit(0)", 0), ("raise SystemExit(None)", 0), ("raise SystemExit(2)", 2),
     ("raise SystemExit('no such slate')", 1), ("raise RuntimeError('a bug')", 1)],
)
def test_the_status_and_output_are_the_interpreters_and_the_teardown_is_skipped(ending, status):
    done = ended(ending)
    assert done.returncode == status, done.stderr
    assert done.stdout == "a line of output\n"  # flushed, though a pipe buffers it
    assert "torn down" not in done.stderr


def test_a_message_and_a_traceback_still_reach_stderr():
    assert ended("raise SystemExit('no such slate')").stderr.strip() == "no such slate"
    assert "RuntimeError: a bug" in ended("raise RuntimeError('a bug')").stderr


def test_without_it_the_interpreter_would_tear_the_module_down():
    """The stand-in's check of the teardown can fail: the same child, ended by the interpreter."""
    script = CHILD.format(ending="    return").replace("from pitwall.console import run\nsys.exit(run())", "app()")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert "torn down" in done.stderr
