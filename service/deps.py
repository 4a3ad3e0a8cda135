"""Clients the lifespan created, handed to endpoints by `Depends`."""

from __future__ import annotations

from fastapi import Request

from pitwall.settings import Settings
from pitwall.stores.graph import GraphStore
from pitwall.stores.jobs import JobStore
from service.dispatch import Dispatcher
from service.orchestrator import Orchestrator
from service.reconcile import Reconciler


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_jobs(request: Request) -> JobStore:
    return request.app.state.jobs


def get_graph(request: Request) -> GraphStore:
    return request.app.state.graph


def get_orchestrator(request: Request) -> Orchestrator:
    return request.app.state.orchestrator


def get_dispatcher(request: Request) -> Dispatcher:
    return request.app.state.dispatcher


def get_reconciler(request: Request) -> Reconciler:
    return request.app.state.reconciler
