"""Sets the command the `process` work pool starts each flow run with, for the kind of worker the stack runs.

    python deployments/work_pool.py POOL preload|engine|process      (scripts/stack.sh, before the worker)

- `preload`: deployments/launch.py, which has the worker's fork server fork a process that has Prefect and
  pitwall imported already (deployments/preload_worker.py); with no fork server it runs the engine itself.
- `engine`: `python -m prefect.engine`, one fresh interpreter per run.
- `process`: none, Prefect's own default, which starts a workspace supervisor interpreter that then
  replaces itself with a second one running the engine.
Idempotent: a pool that already has the command is left alone.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolUpdate

LAUNCHER = Path(__file__).resolve().with_name("launch.py")


def command(mode: str) -> str | None:
    python = sys.executable
    if mode == "preload":
        # -I -S: the launcher needs the standard library only, and starts in milliseconds without site.
        return shlex.join([python, "-I", "-S", str(LAUNCHER)])
    if mode == "engine":
        return shlex.join([python, "-m", "prefect.engine"])
    if mode == "process":
        return None
    raise SystemExit(f"worker mode must be preload, engine or process, not {mode!r}")


def main(pool: str, mode: str) -> None:
    wanted = command(mode)
    with get_client(sync_client=True) as client:
        template = client.read_work_pool(pool).base_job_template
        field = template["variables"]["properties"]["command"]
        if field.get("default") == wanted:
            return
        field["default"] = wanted
        client.update_work_pool(pool, WorkPoolUpdate(base_job_template=template))
    print(f"work pool {pool}: flow runs start with {wanted or 'the process worker default'}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
