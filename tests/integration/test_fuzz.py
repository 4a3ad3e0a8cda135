"""Fuzzing the API from its own OpenAPI document with schemathesis, against the running test stack.

Every operation of `/openapi.json` is exercised, with valid and invalid inputs (examples, coverage and
fuzzing phases), and every response must: not be a 5xx, have a status code, content type, headers and
body the document declares for that operation, and carry no stack trace. At least 500 cases run in all.

POST /api/v1/optimize is fuzzed like the rest, and each valid case it accepts makes a real job and flow
run. So that the fuzz does not start hundreds of simulations on the worker, the work pool is paused for
the duration of this module, and every flow run the fuzz created is cancelled before the pool resumes;
the jobs then end `cancelled` through the reconciler. POST /api/v1/slates needs no such care: a random
CSV names no driver the graph knows, and a valid one stores a slate, which is what the endpoint is for.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolUpdate
from prefect.states import Cancelled
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import create_app
from tests.conftest import wait_until

pytestmark = pytest.mark.integration

MIN_CASES = 500
EXAMPLES_PER_OPERATION = 60
WORK_POOL = os.environ.get("PITWALL_WORK_POOL", "pitwall")

cases: Counter[str] = Counter()
submitted: set[str] = set()


def no_stack_trace(ctx, response, case) -> None:
    text = response.text or ""
    assert "Traceback (most recent call last)" not in text and 'File "/' not in text, (
        f"{case.method} {case.path} leaked a stack trace: {text[:300]}"
    )


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    no_stack_trace,
]


@pytest.fixture(scope="module")
def paused_pool(api_url: str) -> Iterator[None]:
    with get_client(sync_client=True) as client:
        client.update_work_pool(WORK_POOL, WorkPoolUpdate(is_paused=True))
        try:
            yield
        finally:
            try:
                _cancel_fuzzed_runs(client, api_url)
            finally:
                client.update_work_pool(WORK_POOL, WorkPoolUpdate(is_paused=False))


def _cancel_fuzzed_runs(client, api_url: str) -> None:
    with httpx.Client(base_url=api_url, timeout=30) as api:
        for run_id in sorted(submitted):
            # The API creates each accepted job's flow run just after its 202: wait for it to exist.
            flow_run_id = wait_until(lambda: api.get(f"/api/v1/jobs/{run_id}").json()["flow_run_id"], timeout=120,
                                     what=f"the flow run of fuzzed job {run_id}")
            client.set_flow_run_state(flow_run_id, Cancelled(message="created by the API fuzz"), force=True)


# pytest 9 items are built at collection, before the stack is asked anything, so the cases are generated from
# the document the service code produces in-process; the first test proves it is the one the API serves.
schema = schemathesis.openapi.from_dict(create_app().openapi())


def test_the_api_serves_the_fuzzed_document(api: httpx.Client) -> None:
    served = api.get("/openapi.json")
    assert served.status_code == 200
    assert served.json() == schema.raw_schema


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much], database=None)
def test_every_operation_answers_as_documented(case, api_url: str, paused_pool: None) -> None:
    response = case.call_and_validate(base_url=api_url, checks=CHECKS, timeout=30)
    cases[f"{case.method} {case.path}"] += 1
    if case.method == "POST" and case.path == "/api/v1/optimize" and response.status_code == 202:
        submitted.add(response.json()["run_id"])


def test_fuzz_ran_enough_cases() -> None:
    """Runs after the fuzz above (file order): the suite promises a floor of generated cases."""
    total = sum(cases.values())
    print(f"fuzz cases per operation: {dict(cases)}; total {total}; optimize jobs created {len(submitted)}")
    assert total >= MIN_CASES, f"only {total} fuzz cases ran: {dict(cases)}"
