"""A compiled check of the emulator's own JSON answers, in front of openapi-core's.

openapi-core walks the document for every response it checks (about a millisecond, as much
as the rest of a request); with responses checked, as the pytest fixture and the test suite
do, that doubled the cost of every call. Each operation's JSON response schema per status is
compiled once with fastjsonschema, as the request fast path compiles bodies. It only says
"conforms" or "ask openapi-core": an answer it does not understand (declared headers, other
media types, an undeclared status) or finds wrong goes to openapi-core, which explains it.
"""

from __future__ import annotations

import json
from typing import Any

import fastjsonschema

from emulator.http.fastpath import (
    Check,
    UnsupportedSchemaError,
    compile_schema,
    operation_sources,
    operation_template,
    resolved,
)

_JSON = "application/json"


class FastResponses:
    """Per operation and status: the compiled check of its JSON answer."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document
        self._sources = operation_sources(document)
        self._checks: dict[tuple[str, str, int], Check | None] = {}

    def accepts(self, method: str, rule: str, status: int, mimetype: str, body: bytes) -> bool:
        """Whether the answer certainly conforms; False means 'ask openapi-core'."""
        key = (method.lower(), operation_template(rule), status)
        if key not in self._checks:
            self._checks[key] = self._compiled(*key)
        check = self._checks[key]
        if check is None or mimetype != _JSON:
            return False
        try:
            check(json.loads(body))
        except (fastjsonschema.JsonSchemaException, ValueError, TypeError):
            return False
        return True

    def _compiled(self, method: str, template: str, status: int) -> Check | None:
        source = self._sources.get(("get" if method == "head" else method, template))
        if source is None:
            return None
        responses = source[0].get("responses", {})
        declared = responses.get(str(status))
        if declared is None:
            return None  # a default or range response: openapi-core's to judge
        response = resolved(self._document, declared)
        content = response.get("content") or {}
        if response.get("headers") or set(content) != {_JSON}:
            return None
        schema = content[_JSON].get("schema")
        if schema is None:
            return None
        try:
            return compile_schema(self._document, schema)
        except UnsupportedSchemaError:
            return None
