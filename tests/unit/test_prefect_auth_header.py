"""Which basic-auth header the API's Prefect client sends: pitwall's setting first, then Prefect's own."""

from __future__ import annotations

import base64

import pytest
from prefect.settings import PREFECT_API_AUTH_STRING, temporary_settings

from flows.submit import FlowRuns, basic_auth
from pitwall.settings import Settings


def _header(flow_runs: FlowRuns) -> str | None:
    return flow_runs.client._client.headers.get("Authorization")


def test_basic_auth_encodes_user_and_password() -> None:
    header = basic_auth("ops:p@ss:word")["Authorization"]
    assert header.startswith("Basic ")
    assert base64.b64decode(header.removeprefix("Basic ")).decode() == "ops:p@ss:word"


@pytest.mark.parametrize(
    ("pitwall", "prefect", "sent"),
    [("ops:one", None, "ops:one"), ("ops:one", "ops:two", "ops:one"), (None, "ops:two", "ops:two"), (None, None, None)],
)
def test_the_client_sends_the_auth_string_it_is_given(pitwall: str | None, prefect: str | None, sent: str | None) -> None:
    settings = Settings(prefect_api_url="http://127.0.0.1:9/api", prefect_auth_string=pitwall)
    with temporary_settings(updates={PREFECT_API_AUTH_STRING: prefect}):
        flow_runs = FlowRuns.from_settings(settings)
    want = basic_auth(sent)["Authorization"] if sent else None
    assert _header(flow_runs) == want
    assert flow_runs.auth_headers == ({"Authorization": want} if want else {})


def test_the_auth_string_is_a_secret_in_settings() -> None:
    settings = Settings(prefect_auth_string="ops:hidden")
    assert "hidden" not in repr(settings) and "hidden" not in str(settings.model_dump())
