"""Loading a request's body and query string into domain objects, with marshmallow schemas.

A route names its schemas once (`attach`); the pipeline loads them after openapi-core has
validated the request, so schema-level rules (timestamps, enums, cursors) are reported in
the same 400 as openapi-core's problems.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Request
from marshmallow import Schema, ValidationError

from emulator.http.errors import Problem

_ATTRIBUTE = "sequence_emulator_loaders"


@dataclass(frozen=True)
class Loaders:
    """The schemas that turn a route's body and query string into domain objects."""

    body: Schema | None = None
    query: Schema | None = None


def attach(view: Callable[..., Any], loaders: Loaders) -> None:
    """Declare which schemas load a view's input."""
    setattr(view, _ATTRIBUTE, loaders)


def loaders_of(view: Callable[..., Any] | None) -> Loaders:
    """The schemas a view declared (none by default)."""
    found = getattr(view, _ATTRIBUTE, None)
    return found if isinstance(found, Loaders) else Loaders()


def query_values(req: Request, loaders: Loaders) -> dict[str, Any]:
    """The query string by name: the first value of each, or every value of the parameters
    the query schema lists as `repeated` (Sequence's `customerAlias` of usage events)."""
    values: dict[str, Any] = req.args.to_dict()
    for name in getattr(loaders.query, "repeated", ()):
        if name in req.args:
            values[name] = req.args.getlist(name)
    return values


def load(schema: Schema | None, data: Any, prefix: str) -> tuple[Any, list[Problem]]:
    """The loaded value, or the schema's problems named `<prefix>.<field>`."""
    if schema is None:
        return None, []
    try:
        return schema.load(data), []
    except ValidationError as error:
        return None, problems_of(error.messages, prefix)


def problems_of(messages: Any, prefix: str) -> list[Problem]:
    """Flatten marshmallow's nested messages into named problems."""
    if isinstance(messages, dict):
        return [
            problem
            for key, value in messages.items()
            for problem in problems_of(value, prefix if key == "_schema" else f"{prefix}.{key}")
        ]
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [Problem(prefix, message) for message in messages]
    return [Problem(prefix, str(messages))]
