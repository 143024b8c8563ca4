"""Declaring routes the same way for every resource, product or control plane."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint
from flask.typing import ResponseReturnValue
from marshmallow import Schema

from emulator.http.loading import Loaders, attach

View = Callable[..., ResponseReturnValue]


def route(
    blueprint: Blueprint,
    rule: str,
    method: str,
    view: View,
    *,
    body: Schema | None = None,
    query: Schema | None = None,
) -> None:
    """One method on one path, with the schemas that load its input before it runs."""
    attach(view, Loaders(body=body, query=query))
    # OPTIONS is not part of Sequence's API; Flask still answers HEAD for GET.
    blueprint.add_url_rule(rule, view_func=view, methods=[method], provide_automatic_options=False)
