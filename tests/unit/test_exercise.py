"""The made-up slate the fork server and the install run every compiled loop on."""

import subprocess
import sys


def test_exercising_the_compiled_loops_leaves_no_thread_behind():
    """The fork server runs every loop once before it forks flow runs, and a fork copies the locks other
    threads hold: it serves only when the exercise left the process with its main thread alone."""
    check = ("import threading; from pitwall.exercise import exercise_all; exercise_all(); "
             "print(threading.active_count())")
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1"]
