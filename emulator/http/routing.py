"""Declaring routes the same way for every resource, product or control plane."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Request, Response
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from marshmallow import Schema
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Rule
from werkzeug.utils import cached_property

from emulator.http.loading import attach

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
    attach(view, body, query)
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


class EmulatorRequest(Request):
    """Flask's request, whose query string is parsed only when it has one: most requests
    (every POST) have none, and werkzeug parsed the empty string each time it was read."""

    @cached_property
    def args(self) -> MultiDict[str, str]:
        """The URL's parameters, as werkzeug parses them."""
        if not self.environ.get("QUERY_STRING"):
            return self.parameter_storage_class()
        return super().args


class EmulatorFlask(Flask):
    """Flask with lazily built URL rules, query strings parsed only when present, no coroutine
    check on every hook of every request (the emulator's views and hooks are all plain
    functions), and a view's `(dict, status)` written as JSON without Flask's general
    conversion."""

    url_rule_class = LazyBuildRule
    request_class = EmulatorRequest
    _json_writer: tuple[Callable[[Any], str], str] | None = None  # encode, and the mimetype

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """The function itself (Flask would ask `inspect` each time whether it is async)."""
        return func

    def make_response(self, rv: ResponseReturnValue) -> Response:
        """The JSON a view returns with its status, as Flask's JSON provider writes it
        (compact, keys sorted, one encoder for every response); anything else as Flask
        makes it."""
        if type(rv) is tuple and len(rv) == 2 and type(rv[0]) is dict and type(rv[1]) is int:
            writer = self._json_writer or self._compact_writer()
            if writer is not None:
                encode, mimetype = writer
                return self.response_class(encode(rv[0]) + "\n", status=rv[1], mimetype=mimetype)
        return super().make_response(rv)

    def _compact_writer(self) -> tuple[Callable[[Any], str], str] | None:
        """The provider's own settings as one encoder; None where Flask would indent."""
        provider = self.json
        if not isinstance(provider, DefaultJSONProvider):
            return None
        if (provider.compact is None and self.debug) or provider.compact is False:
            return None
        encoder = json.JSONEncoder(
            default=provider.default,
            ensure_ascii=provider.ensure_ascii,
            sort_keys=provider.sort_keys,
            separators=(",", ":"),
        )
        self._json_writer = (encoder.encode, provider.mimetype)
        return self._json_writer
