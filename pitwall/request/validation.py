"""How a request refuses bad input: JSON numbers of the right kind, unknown fields refused, and problems found
by a model validator raised together, each at its own field, as one 422."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Strict, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from pitwall.text import surrogate_problem

# JSON numbers only: strict, so `true`, `"5"` and (for a count) `1.0` are refused, never coerced.
# A float field still takes a JSON integer (`"entry_fee": 20`).
Int = Annotated[int, Strict()]
Float = Annotated[float, Strict()]


def refusal(message: str) -> PydanticCustomError:
    # The message goes in as context, so braces in a driver's name are not read as a template.
    return PydanticCustomError("invalid_request", "{message}", {"message": message})


def slate_rule(problem_of: Callable[[int], str | None]) -> AfterValidator:
    """A field validator applying one of the slate rules of `pitwall.slate`, with its message."""

    def check(value: int) -> int:
        problem = problem_of(value)
        if problem:
            raise refusal(problem)
        return value

    return AfterValidator(check)


class Refusals:
    """Problems found by a model validator, each at its own field, raised together as one ValidationError."""

    def __init__(self, prefix: str = "") -> None:
        self.errors: list[InitErrorDetails] = []
        self.prefix = prefix

    def add(self, loc: tuple[str | int, ...], message: str, value: Any = None) -> None:
        self.errors.append(InitErrorDetails(type=refusal(self.prefix + message), loc=loc, input=value))

    def raise_any(self, title: str) -> None:
        if self.errors:
            raise ValidationError.from_exception_data(title, self.errors)


class StrictModel(BaseModel):
    # Unknown fields are refused: a typo in a control must not be silently ignored.
    model_config = ConfigDict(extra="forbid")


class RequestBody(StrictModel):
    """A whole body a client sends (an optimize request, a slate upload)."""

    @model_validator(mode="before")
    @classmethod
    def _valid_text(cls, data: object) -> object:
        # Before any field is read: a lone surrogate in a name would break every message that quotes it.
        problem = surrogate_problem(data)
        if problem is not None:
            raise ValueError(problem)
        return data
