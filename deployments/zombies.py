"""Registers the automation that marks a flow run Crashed once its heartbeats stop (idempotent).

A machine that dies takes the flow process, its state hooks and its last state report with it: without
this, its run stays Running in Prefect forever, and so would the job, since the API's reconciler trusts
Prefect's state. Flow processes started by a worker send a heartbeat event every
PREFECT_FLOWS_HEARTBEAT_FREQUENCY seconds (Prefect's default: 180); a flow run silent since it started running
or since its last heartbeat for PITWALL_ZOMBIE_AFTER_SECONDS (default 600, a little over three missed heartbeats) is moved to Crashed,
which the reconciler then carries into the job as `failed`, ready for an operator's retry.
"""

from __future__ import annotations

from datetime import timedelta

from prefect.automations import Automation
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.states import StateType

from pitwall.settings import get_settings

NAME = "pitwall: crash flow runs whose heartbeats stopped"


def automation(after_seconds: float) -> Automation:
    return Automation(
        name=NAME,
        description="A flow run that started or sent a heartbeat and then nothing for a while has lost its process.",
        trigger=EventTrigger(
            # Running too: a process that dies before its first heartbeat reaches the server (the heartbeat
            # goes out from a queue of the flow process) is silent from its start, and the server records Running.
            after={"prefect.flow-run.Running", "prefect.flow-run.heartbeat"},
            expect={
                "prefect.flow-run.heartbeat",
                "prefect.flow-run.Completed",
                "prefect.flow-run.Failed",
                "prefect.flow-run.Cancelled",
                "prefect.flow-run.Crashed",
            },
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=after_seconds),
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=f"no heartbeat for {after_seconds:g} s: the flow process is gone (machine or worker died)",
            )
        ],
    )


def main() -> None:
    wanted = automation(get_settings().zombie_after_seconds)
    try:
        existing = Automation.read(name=NAME)
    except ValueError:
        wanted.create()
        print(f"automation created: {NAME} ({wanted.trigger.within})")
        return
    if (existing.trigger.within != wanted.trigger.within or existing.trigger.after != wanted.trigger.after
            or existing.actions != wanted.actions):
        existing.trigger, existing.actions, existing.description = wanted.trigger, wanted.actions, wanted.description
        existing.update()
        print(f"automation updated: {NAME} ({wanted.trigger.within})")


if __name__ == "__main__":
    main()
