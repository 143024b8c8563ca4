"""Request and response validation against the embedded OpenAPI document, with openapi-core."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Request, Response
from jsonschema.exceptions import ValidationError as SchemaError
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug.responses import WerkzeugOpenAPIResponse
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.request.exceptions import (
    MissingRequiredParameter,
    MissingRequiredRequestBody,
    ParameterValidationError,
    RequestBodyValidationError,
)
from werkzeug.datastructures import Headers, ImmutableMultiDict

from emulator.domain.timestamps import is_timestamp
from emulator.http.errors import Problem


class RequestValidator(Protocol):
    """Anything that lists what is wrong with a request (empty when nothing is)."""

    def request_problems(self, request: Request, body: bytes | None) -> list[Problem]:
        """Every problem of `request`, whose body is given separately."""
        ...


@dataclass
class _OpenApiRequest:
    """The request as openapi-core reads it, with the body the emulator decided to validate."""

    host_url: str
    path: str
    path_pattern: str
    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters


class OpenApiValidator:
    """openapi-core, configured once per app: the authority on what a valid request is."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._trivial = trivial_operations(document)
        config = Config(
            # Timestamps follow the emulator's ISO 8601 rule (a bare date is allowed).
            extra_format_validators={"date-time": is_timestamp},
            # The embedded documents are proven valid by the test suite; checking them again
            # in every create_app would cost ~70 ms per app.
            spec_validator_cls=None,
        )
        self._openapi = OpenAPI.from_dict(document, config=config)

    def request_problems(self, request: Request, body: bytes | None) -> list[Problem]:
        """Every problem openapi-core finds in the request, not only the first."""
        if not body and not request.query_string and self._is_trivial(request):
            return []  # nothing openapi-core could object to; saves most of a millisecond
        adapted = _adapt(request, body)
        found = [p for error in self._openapi.iter_request_errors(adapted) for p in _explain(error)]
        return _without_noise(found)

    def response_problems(self, request: Request, response: Response) -> list[Problem]:
        """Every way the response departs from the document."""
        adapted = _adapt(request, None)  # only the operation matters here, not the body
        errors = self._openapi.iter_response_errors(adapted, WerkzeugOpenAPIResponse(response))
        return [p for error in errors for p in _explain(error, prefix="response")]

    def _is_trivial(self, request: Request) -> bool:
        rule = request.url_rule.rule if request.url_rule else ""
        method = "get" if request.method == "HEAD" else request.method.lower()
        headers = self._trivial.get((method, _VARIABLE.sub("{}", rule).removeprefix("/api")))
        return headers is not None and all(
            rule.satisfied_by(request.headers.get(name)) for name, rule in headers.items()
        )


_VARIABLE = re.compile(r"<[^>]*>|\{[^}]*\}")
_PLAIN_STRING = {"type": "string"}


@dataclass(frozen=True)
class _HeaderRule:
    required: bool
    allowed: frozenset[str] | None  # an enum, or any string

    def satisfied_by(self, value: str | None) -> bool:
        if value is None:
            return not self.required
        return self.allowed is None or value in self.allowed


def trivial_operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, _HeaderRule]]:
    """Operations that a request with no query string and no body satisfies, once its headers do.

    That is: no required body, no required query or cookie parameter, path parameters of plain
    type string (a matched route always has them), and header parameters of type string, with
    at most an enum. What a request must then show is returned per operation, header by header.
    """
    found: dict[tuple[str, str], dict[str, _HeaderRule]] = {}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            rules = _header_rules(document, operation)
            if rules is not None:
                found[(method, _VARIABLE.sub("{}", path))] = rules
    return found


def _header_rules(
    document: dict[str, Any], operation: dict[str, Any]
) -> dict[str, _HeaderRule] | None:
    if _resolved(document, operation.get("requestBody", {})).get("required"):
        return None
    rules: dict[str, _HeaderRule] = {}
    for parameter in (_resolved(document, p) for p in operation.get("parameters", [])):
        schema = _resolved(document, parameter.get("schema", {}))
        where, required = parameter["in"], bool(parameter.get("required"))
        if where == "path" and schema == _PLAIN_STRING:
            continue
        if where == "header" and schema.get("type") == "string" and set(schema) <= {"type", "enum"}:
            enum = schema.get("enum")
            rules[parameter["name"]] = _HeaderRule(required, frozenset(enum) if enum else None)
        elif required or where == "path":
            return None
    return rules


def _resolved(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _adapt(request: Request, body: bytes | None) -> _OpenApiRequest:
    # HEAD is answered as GET, so it is validated as GET; path parameters are left for
    # openapi-core to read from the path, under the document's own names.
    method = "get" if request.method == "HEAD" else request.method.lower()
    return _OpenApiRequest(
        host_url=request.host_url,
        path=request.path,
        path_pattern=request.path,
        method=method,
        body=body,
        content_type=request.content_type or "application/octet-stream",
        parameters=RequestParameters(
            query=ImmutableMultiDict(request.args),
            header=Headers(request.headers),
            cookie=request.cookies,
        ),
    )


def _explain(error: Exception, prefix: str = "body") -> Iterator[Problem]:
    """Turn one openapi-core error into problems named by field."""
    schema_errors: tuple[SchemaError, ...] = getattr(error.__cause__, "schema_errors", ())
    if isinstance(error, ParameterValidationError):
        field = f"{error.location}.{error.name}"
        if schema_errors:
            yield from (Problem(field, e.message) for e in schema_errors)
        elif isinstance(error, MissingRequiredParameter):
            yield Problem(field, f"'{error.name}' is a required {error.location} parameter")
        else:
            yield Problem(field, str(error.__cause__ or error))
    elif isinstance(error, MissingRequiredRequestBody):
        yield Problem("body", "Request body is required")
    elif schema_errors:
        yield from (Problem(_field(prefix, e), e.message) for e in schema_errors)
    elif isinstance(error, RequestBodyValidationError):
        yield Problem("body", str(error.__cause__ or error))
    else:
        yield Problem(prefix, str(error))


def _field(prefix: str, error: SchemaError) -> str:
    """`body.a.b`, naming the missing property itself for a `required` error."""
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [
            name
            for name in error.validator_value
            if name not in error.instance and error.message.startswith(repr(name))
        ]
        path += missing[:1]
    return ".".join([prefix, *path])


def _without_noise(problems: list[Problem]) -> list[Problem]:
    """Drop repeats, and openapi-core's 'not nullable' echo of a type error on the same field."""
    typed = {p.field for p in problems if not p.message.endswith("for not nullable")}
    unique = dict.fromkeys(problems)
    return [p for p in unique if not (p.message.endswith("for not nullable") and p.field in typed)]
