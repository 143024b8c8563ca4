"""Declaring routes the same way for every resource, product or control plane."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue
from marshmallow import Schema
from werkzeug.routing import Rule

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


class LazyBuildRule(Rule):
    """A werkzeug Rule whose URL builders (for url_for, which the emulator rarely calls) are
    compiled on first use: compiling two per rule was about half of create_app."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., Any]:
        compiled: list[Callable[..., Any]] = []

        def build(rule: Rule, *args: Any, **kwargs: Any) -> Any:
            if not compiled:
                compiled.append(Rule._compile_builder(rule, append_unknown))
            return compiled[0](rule, *args, **kwargs)

        return build


class EmulatorFlask(Flask):
    """Flask with lazily built URL rules, and no coroutine check on every hook of every
    request: the emulator's views and hooks are all plain functions."""

    url_rule_class = LazyBuildRule

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """The function itself (Flask would ask `inspect` each time whether it is async)."""
        return func
