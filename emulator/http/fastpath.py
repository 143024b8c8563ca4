"""A compiled validator in front of openapi-core, built from the same OpenAPI document.

openapi-core walks the document on every call (about a millisecond a request). This module
compiles, once per app, each operation's parameters and JSON body schema with fastjsonschema
(draft-04, so that `2.0` is not an integer, as in OpenAPI 3.0). It only ever says "valid" or
"ask openapi-core": a request it accepts is one openapi-core accepts (a property test holds
them to it), and anything it rejects or does not understand goes to openapi-core, which stays
the authority and writes the error list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import fastjsonschema
from werkzeug.datastructures import Headers

from emulator.domain.timestamps import is_timestamp

Check = Callable[[Any], Any]  # raises fastjsonschema.JsonSchemaException when invalid

_DRAFT_04 = "http://json-schema.org/draft-04/schema#"
_FORMATS: dict[str, Callable[[str], bool]] = {"date-time": is_timestamp}
_ANNOTATIONS = frozenset(
    {"description", "example", "examples", "deprecated", "externalDocs", "xml", "title"}
)
_VARIABLE = re.compile(r"<[^>]*>|\{[^}]*\}")


class UnsupportedSchemaError(ValueError):
    """A construct this compiler leaves to openapi-core (the operation is then never fast)."""


@dataclass(frozen=True)
class _Parameter:
    name: str
    required: bool
    cast: Callable[[str], Any]
    check: Check
    repeated: bool = False  # an array of any text, each value a repetition (form, explode)


@dataclass(frozen=True)
class _Operation:
    headers: tuple[_Parameter, ...]
    query: Mapping[str, _Parameter]
    body_required: bool
    body: Check | None
    media_types: frozenset[str] = field(default_factory=frozenset)


class FastPath:
    """Per operation: compiled checks of headers, query, and JSON body."""

    def __init__(self, document: dict[str, Any]) -> None:
        # Compiled on first use: building all of them up front cost ~60 ms of every start.
        self._document = document
        self._sources = operation_sources(document)
        self._operations: dict[tuple[str, str], _Operation | None] = {}

    def accepts(
        self,
        method: str,
        rule: str,
        headers: Headers | Mapping[str, str],
        query: Mapping[str, list[str]],
        content_type: str | None,
        body: Any,
        has_body: bool,
    ) -> bool:
        """Whether the request is certainly valid; False means 'ask openapi-core'."""
        operation = self._operation((method.lower(), operation_template(rule)))
        if operation is None:
            return False
        try:
            return (
                _headers_pass(operation, headers)
                and _query_passes(operation, query)
                and _body_passes(operation, content_type, body, has_body)
            )
        except (fastjsonschema.JsonSchemaException, ValueError, TypeError):
            return False

    def _operation(self, key: tuple[str, str]) -> _Operation | None:
        """The compiled checks of one operation (None: unknown, or left to openapi-core)."""
        if key not in self._operations:
            source = self._sources.get(key)
            self._operations[key] = None if source is None else _compiled(self._document, source)
        return self._operations[key]


def operation_template(rule: str) -> str:
    """A Flask rule or a document's path as one key: `/customers/{}/archive` for both
    `/api/customers/<customer_id>/archive` and `/customers/{id}/archive`."""
    return _VARIABLE.sub("{}", rule).removeprefix("/api")


def _compiled(document: dict[str, Any], source: tuple[Any, list[Any]]) -> _Operation | None:
    try:
        return _compile(document, *source)
    except UnsupportedSchemaError:
        return None


def _headers_pass(operation: _Operation, headers: Headers | Mapping[str, str]) -> bool:
    for parameter in operation.headers:
        value = headers.get(parameter.name)
        if value is None:
            if parameter.required:
                return False
            continue
        parameter.check(parameter.cast(value))
    return True


def _query_passes(operation: _Operation, query: Mapping[str, list[str]]) -> bool:
    for name, parameter in operation.query.items():
        values = query.get(name)
        if not values:
            if parameter.required:
                return False
            continue
        if not all(values):
            return False  # empty (allowEmptyValue): openapi-core decides
        if parameter.repeated:
            continue  # any text, any number of times
        if len(values) != 1:
            return False  # repeated: openapi-core decides
        parameter.check(parameter.cast(values[0]))
    return True


def _body_passes(
    operation: _Operation, content_type: str | None, body: Any, has_body: bool
) -> bool:
    if not has_body:
        return not operation.body_required
    if operation.body is None or content_type not in operation.media_types:
        return False
    operation.body(body)
    return True


def operation_sources(document: dict[str, Any]) -> dict[tuple[str, str], tuple[Any, list[Any]]]:
    """Every operation of the document with its path's shared parameters, by (method,
    template)."""
    found: dict[tuple[str, str], tuple[Any, list[Any]]] = {}
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                found[(method, operation_template(path))] = (operation, shared)
    return found


def without_header(document: dict[str, Any], name: str) -> dict[str, Any]:
    """The document with the header parameter `name` dropped from every operation."""
    dropped = ("header", name.lower())

    def trimmed(node: Any) -> Any:
        """A path item or an operation without that header among its parameters."""
        if not isinstance(node, dict) or "parameters" not in node:
            return node
        kept = [p for p in node["parameters"] if _parameter_key(document, p) != dropped]
        return {**node, "parameters": kept}

    paths = {
        path: {key: trimmed(value) for key, value in trimmed(item).items()}
        for path, item in document.get("paths", {}).items()
    }
    return {**document, "paths": paths}


def _parameter_key(document: dict[str, Any], parameter: Any) -> tuple[str, str]:
    found = resolved(document, parameter)
    return str(found.get("in")), str(found.get("name", "")).lower()


def _compile(document: dict[str, Any], operation: dict[str, Any], shared: list[Any]) -> _Operation:
    parameters = [resolved(document, p) for p in [*shared, *operation.get("parameters", [])]]
    headers, query = [], {}
    for parameter in parameters:
        where = parameter["in"]
        compiled = _any_text_array(document, parameter) or _Parameter(
            parameter["name"],
            bool(parameter.get("required")),
            _caster(resolved(document, parameter.get("schema", {}))),
            compile_schema(document, parameter.get("schema", {})),
        )
        if where == "header":
            headers.append(compiled)
        elif where == "query":
            query[compiled.name] = compiled
        elif where != "path" or resolved(document, parameter.get("schema", {})) != {
            "type": "string"
        }:
            raise UnsupportedSchemaError(f"{where} parameter {compiled.name}")
    body = resolved(document, operation.get("requestBody", {}))
    content = body.get("content", {})
    json_schema = content.get("application/json", {}).get("schema")
    return _Operation(
        headers=tuple(headers),
        query=query,
        body_required=bool(body.get("required")),
        body=None if json_schema is None else compile_schema(document, json_schema),
        media_types=frozenset({"application/json"} if json_schema is not None else ()),
    )


def _any_text_array(document: dict[str, Any], parameter: dict[str, Any]) -> _Parameter | None:
    """A query array whose items take any text (GET /usage-events' customerAlias), in the
    default style (form, exploded: one value per repetition), or None."""
    schema = resolved(document, parameter.get("schema", {}))
    default_style = "style" not in parameter and "explode" not in parameter
    if parameter["in"] != "query" or not default_style or set(schema) != {"type", "items"}:
        return None
    if schema["type"] != "array" or resolved(document, schema["items"]) not in ({}, _TEXT):
        return None
    required = bool(parameter.get("required"))
    return _Parameter(parameter["name"], required, str, _accept, repeated=True)


_TEXT = {"type": "string"}


def _accept(value: Any) -> Any:
    return value


def _caster(schema: Mapping[str, Any]) -> Callable[[str], Any]:
    kind = schema.get("type", "string")
    if kind == "string":
        return str
    if kind == "integer":
        return _to_integer
    if kind == "boolean":
        return _to_boolean
    raise UnsupportedSchemaError(f"parameters of type {kind}")


def _to_integer(text: str) -> int:
    return int(text)  # as openapi-core casts it


_TRUE = frozenset({"y", "yes", "t", "true", "on", "1"})
_FALSE = frozenset({"n", "no", "f", "false", "off", "0"})


def _to_boolean(text: str) -> bool:
    """openapi-core's own reading of true/false/1/0/yes/no... (distutils' strtobool)."""
    lowered = text.lower()
    if lowered in _TRUE or lowered in _FALSE:
        return lowered in _TRUE
    raise ValueError(f"invalid truth value {text!r}")


def compile_schema(document: dict[str, Any], schema: Any) -> Check:
    """An OpenAPI schema of the document compiled as a draft-04 check."""
    converted = {"$schema": _DRAFT_04, **json_schema(document, schema)}
    check: Check = fastjsonschema.compile(converted, formats=_FORMATS)
    return check


def json_schema(document: dict[str, Any], schema: Any, depth: int = 0) -> dict[str, Any]:
    """An OpenAPI 3.0 schema as a draft-04 JSON Schema, with local $refs inlined."""
    if depth > 32:
        raise UnsupportedSchemaError("schemas nested deeper than 32 (a recursive $ref?)")
    schema = resolved(document, schema)
    converted: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _ANNOTATIONS or key.startswith("x-") or key == "nullable":
            continue
        if key in ("readOnly", "writeOnly", "discriminator", "not"):
            raise UnsupportedSchemaError(key)
        if key == "properties":
            value = {name: json_schema(document, sub, depth + 1) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            value = json_schema(document, value, depth + 1)
        elif key in ("allOf", "oneOf", "anyOf"):
            value = [json_schema(document, sub, depth + 1) for sub in value]
        converted[key] = value
    if schema.get("nullable"):
        converted = _nullable(converted)
    return converted


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "enum" in schema:
        schema = {**schema, "enum": [*schema["enum"], None]}
    if "type" in schema:
        schema = {**schema, "type": [schema["type"], "null"]}
    return schema


def resolved(document: dict[str, Any], node: Any) -> Any:
    """The node with its local $refs followed."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or seen > 32:
            raise UnsupportedSchemaError(f"reference {ref}")
        node = document
        for part in ref[2:].split("/"):
            node = node[part]
        seen += 1
    return node
