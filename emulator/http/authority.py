"""openapi-core, the authority on what a valid request and response are: its adapter.

Importing openapi-core and reading a document with it takes about a quarter of a second, so
OpenApiValidator builds this in the background and waits for it only when the compiled fast
path cannot decide alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

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

_DOT_SEGMENT = re.compile(r"(?<=/)\.{1,2}(?=/|$)")


class Authority:
    """What openapi-core finds wrong with a request or a response."""

    def __init__(self, document: dict[str, Any]) -> None:
        config = Config(
            # Timestamps follow the emulator's ISO 8601 rule (a bare date is allowed).
            extra_format_validators={"date-time": is_timestamp},
            # The embedded documents are proven valid by the test suite; checking them again
            # in every create_app would cost ~70 ms per app.
            spec_validator_cls=None,
        )
        self._openapi = OpenAPI.from_dict(document, config=config)

    def request_problems(self, request: Request, body: bytes | None) -> list[Problem]:
        """Every problem of the request, as openapi-core explains it."""
        adapted = _adapt(request, body)
        found = [p for error in self._openapi.iter_request_errors(adapted) for p in _explain(error)]
        return _without_noise(found)

    def response_problems(self, request: Request, response: Response) -> list[Problem]:
        """Every way the response departs from the document."""
        adapted = _adapt(request, None)  # only the operation matters here, not the body
        errors = self._openapi.iter_response_errors(adapted, WerkzeugOpenAPIResponse(response))
        return [p for error in errors for p in _explain(error, prefix="response")]


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


def _literal_dots(path: str) -> str:
    """The path with `.` and `..` segments percent-encoded."""
    # openapi-core reads host_url + path as a URL and resolves dot segments; the request was
    # routed with them as literal path parameters (`/seat-events/..` is the id `..`).
    return _DOT_SEGMENT.sub(lambda match: match.group(0).replace(".", "%2E"), path)


def _adapt(request: Request, body: bytes | None) -> _OpenApiRequest:
    # HEAD is answered as GET, so it is validated as GET; path parameters are left for
    # openapi-core to read from the path, under the document's own names.
    method = "get" if request.method == "HEAD" else request.method.lower()
    return _OpenApiRequest(
        host_url=request.host_url,
        path=_literal_dots(request.path),
        path_pattern=_literal_dots(request.path),
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
