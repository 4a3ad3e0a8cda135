"""pitwall's Prefect worker with a preloaded fork server: a flow run starts without a fresh interpreter.

    python deployments/preload_worker.py --pool pitwall [--name NAME] [--limit N] [--with-healthcheck]
                                                                          (scripts/stack.sh starts it)

A process worker starts every flow run as `python -m prefect.engine`: seconds of importing Prefect,
pitwall, numpy, numba and the stores before the flow's first task, on every run. Here, before the worker
starts, this process forks a fork server that imports all of that once (and loads the solver's compiled
loops), then runs Prefect's process worker itself (deployments/waking_worker.py: the worker `prefect worker
start --type process` runs, also woken by the server's events; same pid, so the stack's pid file holds). The
work pool's command (register.sh) is deployments/launch.py: the worker starts it as it
would start the engine, and it asks the fork server for a copy of itself that runs the engine with the
run's environment, working directory and output pipes. Everything else is the process worker's own:
polling, the flow run's states, the engine, its heartbeats, hooks, retries and crash reports.

Why a separate fork server rather than forking the worker: the worker runs an event loop and threads,
and a fork of a threaded process inherits whatever locks those threads held. The fork server forks
before any thread exists and never starts one (it checks, and steps aside if an import started one).

Faults keep their shape. The fork server and every flow process are the worker's descendants. When the
worker dies the fork server exits (it watches a pipe only the worker holds) and the flow processes live
on as orphans that crash on their next write to the dead worker's pipe, as a process worker's do. A
launcher that disappears (a cancellation's hard kill) takes its flow process with it. Only processes of
this user started by this worker are served.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import select
import signal
import socket
import ssl
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOCKET_ENV = "PITWALL_FORKSERVER"


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} pitwall fork server [{os.getpid()}]: {message}", file=sys.stderr, flush=True)


# -- the fork server ------------------------------------------------------------------------------------------


# What a pitwall flow run imports between the engine's start and its first task: Prefect's engines, the
# three flows' modules (their deployments' entrypoints: tasks, pitwall, numpy, numba, the stores), and
# scipy.optimize, which only a run that calibrates needs but then costs it about a second.
PRELOAD = ("prefect.engine", "prefect.flow_engine", "prefect.task_engine", "scipy.optimize", "flows.optimize",
           "flows.upcoming", "flows.seed")


def preload() -> None:
    """Import what a flow run of pitwall imports, and run the solver's compiled loops (loading their code), once
    for every run."""
    import importlib

    sys.path.insert(0, str(ROOT))
    for module in PRELOAD:
        importlib.import_module(module)
    from pitwall.exercise import exercise_all

    exercise_all()


def peer_allowed(conn: socket.socket, worker: int) -> bool:
    """Only this user's processes that this worker started may ask for a flow process."""
    pid, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    try:
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return False
    return uid == os.getuid() and parent == worker


def receive(conn: socket.socket) -> tuple[dict, list[int]]:
    header, fds, _, _ = socket.recv_fds(conn, 8, 3)
    if len(header) != 8 or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        raise ValueError("a request carries its length and three file descriptors")
    (length,) = struct.unpack("!Q", header)
    body = bytearray()
    while len(body) < length:
        chunk = conn.recv(min(1 << 20, length - len(body)))
        if not chunk:
            raise ValueError("the request ended early")
        body += chunk
    return json.loads(body), fds


class Served:
    """What the fork server hands the flow process it forked: the run's request and descriptors."""

    def __init__(self, request: dict, fds: list[int]):
        self.request, self.fds = request, fds


def serve(listener: socket.socket, worker_gone: int, worker: int) -> Served:
    """Fork a flow process per launcher until the worker dies; in each forked process, return its request."""
    started = time.perf_counter()
    preload()
    import threading

    if threading.active_count() != 1:
        # A fork copies the locks other Python threads hold (logging's, the import lock): the launchers
        # then run the plain engine. Native pools are another matter: numpy's and scipy's OpenBLAS each
        # start one at import and stop and restart it around a fork themselves (pthread_atfork).
        log(f"an import started {threading.active_count() - 1} Python thread(s): fork server off, flow runs "
            "get fresh interpreters")
        os._exit(0)
    log(f"fork server ready: Prefect and pitwall imported in {time.perf_counter() - started:.1f} s")

    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    runs: dict[int, socket.socket] = {}  # flow process → its launcher's connection

    def reap() -> None:
        # Every child, not only those a launcher waits on: a flow process killed with its launcher is one.
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = runs.pop(pid, None)
            if conn is not None:
                try:
                    conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
                except OSError:
                    pass
                conn.close()

    while True:
        watched = [listener, worker_gone, wake_r, *runs.values()]
        try:
            ready, _, _ = select.select(watched, [], [])
        except InterruptedError:
            continue
        if worker_gone in ready:
            # The worker died or stopped: its flow processes carry on as orphans, as a process worker's do.
            log("the worker is gone; exiting")
            os._exit(0)
        if wake_r in ready:
            while True:
                try:
                    if not os.read(wake_r, 512):
                        break
                except BlockingIOError:
                    break
            reap()
        for pid, conn in list(runs.items()):
            if conn in ready:
                # A launcher says nothing after its request: readable means it is gone (killed), so its
                # flow process goes too, as a process killed by the worker would.
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                runs.pop(pid)
                conn.close()
                reap()
        if listener not in ready:
            continue
        conn, _ = listener.accept()
        try:
            conn.settimeout(10)
            if not peer_allowed(conn, worker):
                raise PermissionError("the peer is not a process of this worker")
            request, fds = receive(conn)
        except (OSError, ValueError) as exc:
            log(f"refused a request: {exc}")
            conn.close()
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for sock in (listener, conn, *runs.values()):
                sock.close()
            for fd in (worker_gone, wake_r, wake_w):
                os.close(fd)
            return Served(request, fds)
        for fd in fds:
            os.close(fd)
        try:
            conn.sendall(f"pid {pid}\n".encode())
        except OSError:
            pass
        conn.settimeout(None)
        runs[pid] = conn
        reap()


# -- a forked flow process --------------------------------------------------------------------------------------


def pitwall_settings(env) -> dict[str, str]:
    return {key: value for key, value in env.items() if key.startswith("PITWALL_") and key != SOCKET_ENV}


def run_engine(served: Served) -> int:
    """Become `python -m prefect.engine` of the launcher's flow run, and return its exit code."""
    import runpy

    for target, fd in enumerate(served.fds):
        if fd != target:
            os.dup2(fd, target)
            os.close(fd)
    request = served.request
    # A session of its own, as the process worker gives its flow runs: signals to the worker's group
    # (a terminal's Ctrl-C) do not reach the run.
    os.setsid()
    os.chdir(request["cwd"])
    env = request["env"]
    if pitwall_settings(env) != pitwall_settings(os.environ):
        # pitwall's settings were read as the fork server imported it (a task's retry delays among them),
        # from the worker's environment: a run whose own differs (a deployment's job variables) gets a
        # fresh interpreter, as it would from the process worker.
        os.execve(sys.executable, [sys.executable, "-m", "prefect.engine", *request["argv"]], env)
    os.environ.clear()
    os.environ.update(env)
    import prefect.engine
    import prefect.context
    from pitwall.console import exit_status
    from pitwall.settings import get_settings

    # Both were read from the fork server's environment: read them again from this run's.
    prefect.context.refresh_global_settings_context()
    get_settings.cache_clear()
    sys.argv = [prefect.engine.__file__, *request["argv"]]
    try:
        # By path: prefect.engine is imported already, and run_module would warn that it is.
        runpy.run_path(prefect.engine.__file__, run_name="__main__")
    except SystemExit as exc:
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)  # what the interpreter prints for such an exit
        return exit_status(exc.code)
    return 0


# -- the worker -------------------------------------------------------------------------------------------------


def sharing_verified_contexts(build: Callable[..., ssl.SSLContext]) -> Callable[..., ssl.SSLContext]:
    """`ssl.create_default_context` (`build`) that builds a context verifying against a CA file once per file.

    Prefect's clients, and the httpx clients and transports they are made of, build
    `create_default_context(cafile=...)` afresh: seven times in a flow run of `make demo`'s request, twice
    in the worker for each run it starts. Each parses the whole CA bundle, about 20 ms of a core, while a
    flow run's start and solve share the two cores. Such a context is configured as it is built and none of
    its users here changes it (a client certificate would; none is used), so a process builds one per file
    and every client shares it. The fork server's imports build it (httpx transports made at import), so a
    flow process inherits it built; a changed CA file is read when the worker restarts. A context asked
    for any other way is built as asked.
    """

    @functools.cache
    def verified(cafile: str) -> ssl.SSLContext:
        return build(cafile=cafile)

    def create_default_context(purpose=ssl.Purpose.SERVER_AUTH, *, cafile=None, capath=None, cadata=None):
        if cafile is not None and capath is None and cadata is None and purpose == ssl.Purpose.SERVER_AUTH:
            return verified(os.fspath(cafile))
        return build(purpose, cafile=cafile, capath=capath, cadata=cadata)

    return create_default_context


def main(argv: list[str]) -> None:
    from waking_worker import options, run

    chosen = options(argv)  # a bad option fails here, before anything is forked
    # Before the fork: the worker and every flow process share it.
    ssl.create_default_context = sharing_verified_contexts(ssl.create_default_context)
    name = f"pitwall-forkserver-{os.getpid()}-{secrets.token_hex(8)}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind("\0" + name)  # abstract: no file to clean up; peers are checked on accept
    listener.listen(64)
    worker_gone, worker_alive = os.pipe()
    worker = os.getpid()
    fork_server = os.fork()
    if fork_server == 0:
        os.close(worker_alive)
        from pitwall.console import end_without_teardown

        # Registered before the preload's imports, so in a flow process it runs after all their exit handlers.
        ended = end_without_teardown()
        served = serve(listener, worker_gone, worker)
        # Here only in a forked flow process: run the engine, then exit as an interpreter does, its threads
        # joined and exit handlers run, but without its teardown: the job is done by then, and freeing every
        # module and object one by one (about half a second) would hold the worker's slot and a core.
        ended.status = run_engine(served)
        raise SystemExit(ended.status)
    listener.close()
    os.close(worker_gone)
    # worker_alive stays open in this process alone (descriptors are not inherited): its end tells the fork server.
    os.environ[SOCKET_ENV] = name
    run(chosen, fork_server=fork_server)


if __name__ == "__main__":
    main(sys.argv[1:])
