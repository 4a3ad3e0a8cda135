"""The flow-run process a Prefect process worker starts when the stack runs the preloaded worker.

The worker starts this file as its flow run's command (the work pool's `command`, set by register.sh),
with the flow run's environment, working directory and output pipes. Instead of importing Prefect and
pitwall afresh (seconds), it hands all three to the worker's fork server (deployments/preload_worker.py),
which forks a process that has them imported already; that process runs Prefect's engine as
`python -m prefect.engine` would. This one stays for the worker to watch: it passes on the signals the
worker sends (a cancellation's SIGTERM) and ends as the flow process ends, with its exit status.

Only the standard library, and run with `-I -S`: this process starts in milliseconds. Without a fork
server to reach it becomes `python -m prefect.engine` itself, the process worker's own command.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import struct
import sys

SOCKET_ENV = "PITWALL_FORKSERVER"


def plain_engine() -> None:
    """Run the flow as the process worker does: a fresh interpreter on prefect.engine."""
    python = os.environ.get("PITWALL_FLOW_PYTHON") or sys.executable
    os.execv(python, [python, "-m", "prefect.engine", *sys.argv[1:]])


def connect(name: str) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect("\0" + name)
    except OSError:
        sock.close()
        return None
    return sock


def wait_gone(pid: int) -> None:
    """Wait for a process that is not this one's child (the fork server that reported on it is gone)."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return
    select.select([fd], [], [])
    os.close(fd)


def exit_as(status: int) -> None:
    """End the way the flow process ended: its exit code, or the signal that killed it."""
    sys.stdout.flush()
    if status < 0:
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    os._exit(status if status >= 0 else 1)


def main() -> None:
    name = os.environ.get(SOCKET_ENV)
    sock = connect(name) if name else None
    if sock is None:
        plain_engine()
        return
    request = json.dumps({"env": dict(os.environ), "cwd": os.getcwd(), "argv": sys.argv[1:]}).encode()
    reader = sock.makefile("r")
    try:
        socket.send_fds(sock, [struct.pack("!Q", len(request))], [0, 1, 2])
        sock.sendall(request)
        first = reader.readline().split()
    except OSError:
        first = []
    if first[:1] != ["pid"]:
        # The server refused or died before forking: nothing ran, so run it the plain way.
        sock.close()
        plain_engine()
        return
    child = int(first[1])

    def forward(signum: int, _frame) -> None:
        try:
            os.kill(child, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    try:
        last = reader.readline().split()
    except OSError:
        last = []
    if last[:1] == ["exit"]:
        exit_as(int(last[1]))
    # The fork server died (with its worker): the flow process lives on as an orphan, as a process
    # worker's would; this stays its stand-in until it ends.
    wait_gone(child)
    exit_as(1)


if __name__ == "__main__":
    main()
