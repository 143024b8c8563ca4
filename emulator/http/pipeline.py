"""What every product request goes through before its view, and every response after it."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request

from emulator.http.auth import Authenticator
from emulator.http.errors import ApiError, Problem, validation_error
from emulator.http.loading import load, loaders_of
from emulator.http.validation import OpenApiValidator, RequestValidator
from emulator.http.version import API_VERSION, check_version

access_log = logging.getLogger("emulator.access")
logger = logging.getLogger(__name__)

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def admit_product_requests(
    blueprint: Blueprint, authenticator: Authenticator, validator: RequestValidator
) -> None:
    """Check size, credentials, version, JSON and schema before any product view runs."""

    @blueprint.before_request
    def admit() -> None:
        check_size()
        g.account_id = authenticator.account_for(request.headers.get("Authorization"))
        check_version(request.headers.get("Sequence-Version"))
        json_body, raw = read_json_body()
        problems = validator.request_problems(request, raw)
        loaders = loaders_of(current_app.view_functions.get(request.endpoint or ""))
        g.body, body_problems = load(loaders.body, json_body, "body")
        g.query, query_problems = load(loaders.query, request.args.to_dict(), "query")
        problems += unseen(body_problems + query_problems, problems)
        if problems:
            raise validation_error(problems)


def unseen(more: list[Problem], known: list[Problem]) -> list[Problem]:
    """Problems on fields that openapi-core did not already flag."""
    flagged = {problem.field for problem in known}
    return [problem for problem in more if problem.field not in flagged]


def check_size() -> None:
    """Refuse a body over the limit before reading it."""
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        raise ApiError(413, "PayloadTooLarge", f"Request body is larger than {limit} bytes")


def read_json_body() -> tuple[Any, bytes | None]:
    """The parsed body and the bytes to validate; a null top-level field counts as absent."""
    if request.method not in _BODY_METHODS:
        return None, None
    raw = request.get_data(cache=True)
    if not raw:
        return None, raw
    if request.mimetype != "application/json":
        message = f"Expected Content-Type application/json, got {request.mimetype or 'none'}"
        raise validation_error([Problem("header.Content-Type", message)])
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise validation_error([Problem("body", f"Malformed JSON: {error}")]) from None
    if isinstance(body, dict) and None in body.values():
        body = {key: value for key, value in body.items() if value is not None}
        raw = json.dumps(body).encode()
    return body, raw


def install_response_hooks(app: Flask, validator: OpenApiValidator | None) -> None:
    """Stamp the version header, log one line per request, and optionally check responses."""

    @app.before_request
    def start_clock() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        if validator is not None and request.blueprint and request.blueprint.startswith("product"):
            response = conformant(validator, response)
        response.headers["Sequence-Version"] = API_VERSION
        log_access(response)
        return response


def conformant(validator: OpenApiValidator, response: Response) -> Response:
    """The response, or a 500 naming how it departs from the document (test mode)."""
    problems = validator.response_problems(request, response)
    if not problems:
        return response
    logger.error("non-conformant response to %s %s: %s", request.method, request.path, problems)
    message = "The emulator's response does not conform to its OpenAPI document"
    return ApiError(500, "InternalError", message, problems).response()


def log_access(response: Response) -> None:
    """One line per request: who, what, how it ended, how long it took."""
    elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    access_log.info(
        '%s "%s %s" %s %.1fms account=%s',
        request.remote_addr,
        request.method,
        request.full_path.rstrip("?"),
        response.status_code,
        elapsed_ms,
        g.get("account_id", "-"),
    )
