"""The `pitwall` executable: the command line, and a process that ends without tearing the interpreter down.

When a command returns, its files are written and closed. What Python's own exit does after that is free
every module and object one at a time, numba's compiled code among them: about 0.17 s of a 2.4 s
`pitwall optimize`, spent on a process about to end anyway. Here the last exit handler ends the process
instead, with the exit status the interpreter would have given. Registered before the command line is
imported, it runs after every handler registered by what that imports (logging's flush among them), and
after the interpreter has joined the threads still running, as any exit does. The worker's fork server
ends its flow processes the same way (deployments/preload_worker.py).

Apart from `pitwall.cli`, which would import every command before this could register its handler.
"""

from __future__ import annotations

import atexit
import os
import sys


def run() -> None:
    ended = end_without_teardown()
    try:
        from pitwall.cli import app

        app()
    except SystemExit as done:
        ended.status = exit_status(done.code)
        raise
    except KeyboardInterrupt:
        ended.status = 130  # as a shell reports a command interrupted by Ctrl-C
        raise
    ended.status = 0


class Ending:
    """The process's last exit handler: flush the output, end with `status`."""

    # An exception that escapes the program fails the process, as it would the interpreter.
    status = 1

    def exit(self) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                # Output lost (a closed pipe, a full disk): the interpreter's own exit reports it as 120.
                self.status = self.status or 120
        os._exit(self.status)


def end_without_teardown() -> Ending:
    """Register the handler that ends this process once every exit handler registered after it has run; the
    caller sets its `status` as the program ends. Call it before importing what the program runs."""
    ended = Ending()
    atexit.register(ended.exit)
    return ended


def exit_status(code: object) -> int:
    """The status Python gives `SystemExit(code)`: None is success, an integer itself, anything else (a
    message, printed to stderr by the interpreter) failure."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    return 1
