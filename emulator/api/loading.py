"""Turning a validated JSON body into a domain object with a marshmallow schema."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError

from emulator.http.context import json_body
from emulator.http.errors import Problem, validation_error


def load_body(schema: Schema) -> Any:
    """The request body loaded by `schema`; its errors answered as body.<field> problems."""
    try:
        return schema.load(json_body())
    except ValidationError as error:
        raise validation_error(_problems(error.messages)) from None


def _problems(messages: Any, prefix: str = "body") -> list[Problem]:
    if isinstance(messages, dict):
        return [p for key, value in messages.items() for p in _problems(value, f"{prefix}.{key}")]
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [Problem(prefix, message) for message in messages]
    return [Problem(prefix, str(messages))]
