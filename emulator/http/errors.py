"""One error envelope for every failure (BEHAVIOUR.md §3)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from emulator.store import StoreUnavailableError

logger = logging.getLogger(__name__)

VALIDATION_ERROR = "validationError"  # Sequence's ApiError type for a request it refused
VALIDATION_MESSAGE = "Request data validation failed"
JSON_UTF8 = "application/json; charset=utf-8"
UNRECOGNISED_VERSION = "UnrecognisedApiVersion"  # documented with no `errors` list
NOT_FOUND = "NotFound"
LOCATIONS = ("body.", "query.", "path.", "header.")

_TYPES_BY_STATUS = {
    400: VALIDATION_ERROR,
    401: "Unauthorized",
    404: NOT_FOUND,
    405: "MethodNotAllowed",
    413: "PayloadTooLarge",
    429: "RateLimited",
    503: "ServiceUnavailable",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request, named by where it is (`body.total`, `query.limit`)."""

    field: str
    message: str

    @property
    def key(self) -> str:
        """The field as the client sent it: `total`, `address.line1`, `limit`, `Idempotency-Key`
        (BEHAVIOUR.md §3); `body` for the body as a whole."""
        for location in LOCATIONS:
            if self.field.startswith(location):
                return self.field.removeprefix(location)
        return self.field

    def as_json(self) -> dict[str, Any]:
        """The problem as Sequence's ApiError lists it in `error.errors`."""
        return {"code": VALIDATION_ERROR, "key": self.key, "message": self.message, "errors": []}


class ApiError(Exception):
    """An error answered to the client in the envelope."""

    def __init__(
        self,
        status: int,
        error_type: str,
        message: str,
        details: Iterable[Problem] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.details = tuple(details)
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """Sequence's ApiError: `errors` lists the problems (empty for all but validation
        errors); the version error keeps exactly its documented body, with no list."""
        error: dict[str, Any] = {"type": self.error_type, "message": self.message}
        if self.error_type != UNRECOGNISED_VERSION:
            error["errors"] = [problem.as_json() for problem in self.details]
        return {"error": error}

    def response(self) -> Response:
        """The Flask response that carries this error, as JSON in UTF-8 like Sequence's."""
        response = jsonify(self.body())
        response.status_code = self.status
        response.content_type = JSON_UTF8
        response.headers.update(self.headers)
        return response


class ConnectionDroppedError(Exception):
    """The connection is to be dropped on purpose; no response will reach the client.

    `cut_off`: a server that gives the app no socket to shut down (granian) is to cut the
    connection off as it sends the answer, whose body fails for that purpose. Where the socket
    was shut down already (werkzeug), or no server stands between (a test client), nothing is.
    """

    def __init__(self, message: str, *, cut_off: bool) -> None:
        super().__init__(message)
        self.cut_off = cut_off


def validation_error(problems: Iterable[Problem]) -> ApiError:
    """A 400 listing every problem found, as Sequence's validationError."""
    return ApiError(400, VALIDATION_ERROR, VALIDATION_MESSAGE, tuple(problems))


def not_found(message: str) -> ApiError:
    """A 404 in the envelope."""
    return ApiError(404, NOT_FOUND, message)


def from_http_exception(error: HTTPException, method: str, path: str) -> ApiError:
    """Werkzeug's own errors (unknown path, wrong method, body too large) in the envelope."""
    status = error.code or 500
    error_type = type_for_status(status)
    allowed: list[str] = getattr(error, "valid_methods", None) or []
    if status == 404:
        return ApiError(404, error_type, f"No such path: {path}")
    if status == 405:
        message = f"{method} is not allowed on {path}; allowed: {', '.join(allowed)}"
        return ApiError(405, error_type, message, headers={"Allow": ", ".join(allowed)})
    return ApiError(status, error_type, error.description or error.name)


def type_for_status(status: int) -> str:
    """The envelope's `type` for a status: its own, else validationError for any other 4xx
    (the request was refused) and InternalError for a 5xx."""
    return _TYPES_BY_STATUS.get(status, VALIDATION_ERROR if status < 500 else "InternalError")


def install_error_handlers(app: Flask) -> None:
    """Make every error, expected or not, answer in the envelope and never as HTML."""

    @app.errorhandler(ApiError)
    def answer_api_error(error: ApiError) -> Response:
        return error.response()

    @app.errorhandler(HTTPException)
    def answer_http_exception(error: HTTPException) -> Response:
        return from_http_exception(error, request.method, request.path).response()

    @app.errorhandler(StoreUnavailableError)
    def answer_unavailable(error: StoreUnavailableError) -> Response:
        logger.warning("the database is unavailable: %s", error)
        message = "The emulator's database is unavailable; try again shortly"
        headers = {"Retry-After": "1"}
        return ApiError(503, "ServiceUnavailable", message, headers=headers).response()

    @app.errorhandler(ConnectionDroppedError)
    def answer_nobody(error: ConnectionDroppedError) -> Response:
        g.dropped = True  # the journal records it as status 0
        if error.cut_off:
            return Response(_failing_body(error), 500, content_type=JSON_UTF8)
        return Response(status=500)

    @app.errorhandler(Exception)
    def answer_unexpected(error: Exception) -> Response:
        logger.exception("unexpected error while answering a request")
        return ApiError(500, "InternalError", "Internal server error").response()


def _failing_body(error: ConnectionDroppedError) -> Iterator[bytes]:
    """A body that fails when the server starts sending it, so that the server cuts the
    connection off mid-answer: a client sees a dropped connection, not an answer."""
    yield from ()  # a generator: nothing runs until the server iterates it
    raise error
