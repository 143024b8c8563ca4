"""What a view may read about the request in hand, once the pipeline has admitted it."""

from __future__ import annotations

from typing import Any, cast

from flask import current_app, g, request

from emulator.services import Services

EXTENSION = "sequence_emulator"


def services() -> Services:
    """The emulator that serves this request."""
    return cast(Services, current_app.extensions[EXTENSION])


def account_id() -> str:
    """The account the request's credentials opened."""
    return cast(str, g.account_id)


def body() -> Any:
    """The request body, loaded by the route's body schema."""
    return g.body


def query() -> Any:
    """The query string, loaded by the route's query schema."""
    return g.query


def header(name: str) -> str | None:
    """A request header (validated by the document like every other input), or None."""
    return request.headers.get(name)
