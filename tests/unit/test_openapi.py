"""The OpenAPI document describes everything a client generates code from: every operation, model, field and
parameter has a description, and every request body an example that the API itself accepts."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from pitwall.request import OptimizeRequest
from service.app import app
from service.examples import OPTIMIZE_EXAMPLES, SAMPLE_SALARIES_CSV, SLATE_UPLOAD_EXAMPLES
from service.routes.slates import SlateUpload
from tests.conftest import ROOT, SAMPLE_SLATE, inline_request

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def undocumented(schema: dict[str, Any]) -> list[str]:
    """Everything in an OpenAPI document that lacks a description, and every request body without an example."""
    missing = []
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            name = f"{method.upper()} {path}"
            if not operation.get("description"):
                missing.append(f"operation {name}: no description")
            for parameter in operation.get("parameters", []):
                if not (parameter.get("description") or parameter.get("schema", {}).get("description")):
                    missing.append(f"operation {name}: parameter {parameter['in']} {parameter['name']!r}: no description")
            for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
                has_example = "example" in media or media.get("examples") or media.get("schema", {}).get("examples")
                if not has_example:
                    missing.append(f"operation {name}: request body {media_type}: no example")
    for model, definition in schema.get("components", {}).get("schemas", {}).items():
        if not definition.get("description"):
            missing.append(f"model {model}: no description")
        for field, spec in definition.get("properties", {}).items():
            if not spec.get("description"):
                missing.append(f"field {model}.{field}: no description")
    return missing


def test_every_operation_model_field_and_parameter_is_described_and_every_body_has_an_example() -> None:
    missing = undocumented(app.openapi())
    assert missing == [], "\n".join(missing)


class Bare(BaseModel):
    named: int = Field(description="has one")
    bare: int


def test_the_walk_finds_what_is_missing() -> None:
    """The check above can fail: an app with one undocumented thing of each kind is caught on each."""
    probe = FastAPI()

    @probe.post("/things")
    async def make(body: Bare, limit: int = 3) -> Bare:
        return body

    missing = undocumented(probe.openapi())
    assert "operation POST /things: no description" in missing
    assert "operation POST /things: parameter query 'limit': no description" in missing
    assert "operation POST /things: request body application/json: no example" in missing
    assert "model Bare: no description" in missing
    assert "field Bare.bare: no description" in missing
    assert not any("Bare.named" in line for line in missing)


def _media(path: str) -> dict[str, Any]:
    return app.openapi()["paths"][path]["post"]["requestBody"]["content"]["application/json"]


@pytest.mark.parametrize(("path", "model"), [("/api/v1/optimize", OptimizeRequest), ("/api/v1/slates", SlateUpload)])
def test_every_request_example_is_a_valid_request(path: str, model: type[BaseModel]) -> None:
    examples = _media(path)["examples"]
    assert examples
    for example in examples.values():
        model.model_validate(example["value"])  # a stale example raises here, naming the field


def test_the_optimize_example_is_the_sample_slate() -> None:
    assert SAMPLE_SALARIES_CSV == SAMPLE_SLATE.read_text()
    example = OPTIMIZE_EXAMPLES["inline sample slate"]["value"]
    assert example["drivers"] == inline_request()["drivers"]
    assert SLATE_UPLOAD_EXAMPLES["sample slate"]["value"]["salaries_csv"] == (ROOT / "examples/sample-slate/DKSalaries.csv").read_text()
    assert _media("/api/v1/optimize")["examples"]["inline sample slate"]["value"]["drivers"] == example["drivers"]
