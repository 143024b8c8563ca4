"""What every request goes through before its view, and every response after it."""

from __future__ import annotations

import io
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache, partial
from typing import Any, cast

from flask import Blueprint, Flask, Request, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from emulator.domain.faults import InvalidFaultHeaderError, action_from_header
from emulator.domain.journal import JournalEntry, clipped, kept_headers
from emulator.domain.jsontext import strict_loads
from emulator.http.access_log import log_access
from emulator.http.admin import AdminGate
from emulator.http.auth import Authenticator
from emulator.http.errors import ApiError, Problem, validation_error
from emulator.http.faults import FAULT_HEADER, carry_out
from emulator.http.loading import load, load_query, loaders_of
from emulator.http.validation import OpenApiValidator, RequestValidator, route_of
from emulator.http.version import (
    API_VERSION,
    VERSION_HEADER,
    OutsideVersionError,
    Versions,
    answered_version,
)
from emulator.services import Services
from emulator.store import StoreUnavailableError

logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/_emulator"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_READ_SIZE = 64 * 1024
# Sequence gives its busiest endpoint a rate limit of its own, at the root and under /api.
_USAGE_EVENTS = frozenset({"/usage-events", "/api/usage-events"})
_CGI_HEADERS = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})  # werkzeug skips both

Gate = Callable[[Request], None]


def _environ_key(header: str) -> str:
    """Where the WSGI environ holds a request header."""
    return "HTTP_" + header.upper().replace("-", "_")


_AUTHORIZATION = _environ_key("Authorization")
_VERSION = _environ_key(VERSION_HEADER)
_FAULT = _environ_key(FAULT_HEADER)


def current_request() -> Request:
    """The request in hand, unwrapped once: every access through Flask's proxy costs."""
    return cast(Request, request._get_current_object())  # type: ignore[attr-defined]


def current_g() -> Any:
    """The request's `g`, unwrapped once for the same reason."""
    return g._get_current_object()


def admit_requests(blueprint: Blueprint, gate: Gate, validator: RequestValidator) -> None:
    """Before any view of `blueprint`: the gate, then size, JSON, openapi-core and schemas."""

    @blueprint.before_request
    def admit() -> None:
        req = current_request()
        gate(req)
        check_size(req)
        json_body, raw = read_json_body(req)
        problems = validator.request_problems(req, raw, json_body)
        problems += unseen(odd_text(req, json_body), problems)
        loaders = loaders_of(current_app.view_functions.get(req.endpoint or ""))
        state = current_g()
        state.body, body_problems = load(loaders.body, json_body, "body")
        state.query, query_problems = load_query(req, loaders.query)
        problems += unseen(body_problems + query_problems, problems)
        if problems:
            raise validation_error(problems)


def product_gate(authenticator: Authenticator, versions: Versions, services: Services) -> Gate:
    """Credentials, version, rate limit and fault rules, in that order (BEHAVIOUR.md §2)."""

    def gate(req: Request) -> None:
        environ = req.environ  # headers read where werkzeug's Headers would read them
        identity = authenticator.identify(environ.get(_AUTHORIZATION))
        current_g().account_id = identity.account_id
        try:
            versions.check(environ.get(_VERSION), req.method, route_of(req))
        except OutsideVersionError:
            g.outside_version = True  # answers for no operation of the document
            raise
        check_rate_limit(services, req, identity.client_id)
        inject_faults(services, req, identity.account_id)

    return gate


def control_gate(admin: AdminGate, max_bytes: int) -> Gate:
    """The admin token, and the larger body limit that state import needs."""

    def gate(req: Request) -> None:
        req.max_content_length = max_bytes
        admin.check(dict(req.headers))

    return gate


def check_rate_limit(services: Services, req: Request, client_id: str) -> None:
    """Count the request in its one window: POST /usage-events' own, or the general one."""
    usage = req.method == "POST" and route_of(req) in _USAGE_EVENTS
    limiter = services.usage_rate_limiter if usage else services.rate_limiter
    if limiter is None:
        return
    wait = limiter.retry_after(client_id)
    if wait is not None:  # Sequence's 429, naming the limit that was hit
        name = "The rate limit of POST /usage-events" if usage else "The API's rate limit"
        message = f"{name} ({limiter.limit}) was exceeded; retry after {wait}s"
        raise ApiError(429, "RateLimited", message, headers={"Retry-After": str(wait)})


def inject_faults(services: Services, req: Request, account_id: str) -> None:
    """Carry out the Emulator-Fault header, or the first fault rule that fires."""
    header = req.environ.get(_FAULT)
    if header is not None:
        try:
            action = action_from_header(header)
        except InvalidFaultHeaderError as error:
            raise validation_error([Problem(f"header.{FAULT_HEADER}", str(error))]) from None
        carry_out(action, f"{FAULT_HEADER} header")
        return
    if not services.faults:
        return  # no rules: nothing to match, the common case
    headers = {name.lower(): value for name, value in req.headers.items()}
    ruled = services.faults.decide(req.method, req.path, account_id, headers)
    if ruled is not None:
        carry_out(ruled, "fault rule")


def check_size(req: Request) -> None:
    """Refuse a body over the limit before reading it; a chunked one is read to one byte past."""
    limit = req.max_content_length
    if limit is None:
        return
    # Pinned for the request: Flask's property looks the app's config up on every read,
    # and werkzeug reads it again for each step of reading the body.
    req.max_content_length = limit
    if req.method in _BODY_METHODS and req.environ.get("HTTP_TRANSFER_ENCODING") == "chunked":
        size = buffer_chunked(req, limit)
    else:
        size = req.content_length or 0
    if size > limit:
        message = f"Request body is larger than {limit} bytes"
        # The rest of the body is never read: the connection cannot carry another request.
        raise ApiError(413, "PayloadTooLarge", message, headers={"Connection": "close"})


def buffer_chunked(req: Request, limit: int) -> int:
    """Read a chunked body (no Content-Length) up to `limit` + 1 bytes and hand it on as an
    ordinary one; werkzeug would otherwise cut it at the limit without a word."""
    stream = req.environ["wsgi.input"]
    data = bytearray()
    try:
        while len(data) <= limit:
            chunk = stream.read(min(_READ_SIZE, limit + 1 - len(data)))
            if not chunk:
                break
            data += chunk
    except Exception as error:  # each server raises its own kind for a malformed chunk
        problem = Problem("body", f"Malformed chunked body: {error or type(error).__name__}")
        refused = validation_error([problem])
        refused.headers["Connection"] = "close"
        raise refused from None
    finally:  # later readers (validation, the journal) see what arrived, never the socket
        arrived = {"wsgi.input": io.BytesIO(bytes(data)), "CONTENT_LENGTH": str(len(data))}
        req.environ.update(arrived)
        req.environ.pop("HTTP_TRANSFER_ENCODING", None)
        for cached in ("content_length", "stream"):  # werkzeug caches both per request
            vars(req).pop(cached, None)
    return len(data)


def read_json_body(req: Request) -> tuple[Any, bytes | None]:
    """The parsed body and the bytes to validate; a null top-level field counts as absent."""
    if req.method not in _BODY_METHODS:
        return None, None
    raw = req.get_data(cache=True)
    if not raw:
        return None, raw
    if req.mimetype != "application/json":
        message = f"Expected Content-Type application/json, got {req.mimetype or 'none'}"
        raise validation_error([Problem("header.Content-Type", message)])
    try:
        body = strict_loads(raw)
    except ValueError as error:  # UnicodeDecodeError is one
        raise validation_error([Problem("body", f"Malformed JSON: {error}")]) from None
    if isinstance(body, dict) and None in body.values():
        body = {key: value for key, value in body.items() if value is not None}
        raw = json.dumps(body).encode()
    return body, raw


def odd_text(req: Request, json_body: Any) -> list[Problem]:
    """The request's strings that no database could store, in the body, query and path."""
    # JSON carries a surrogate or a NUL only as a \u escape; a URL's odd text is unprintable
    # in the path (decoded by the server) or percent-escaped in the query: most need no walk.
    escaped = b"\\u" in req.get_data(cache=True)
    path, query = req.environ.get("PATH_INFO", ""), req.environ.get("QUERY_STRING", "")
    in_url = not path.isprintable() or "%" in query or not query.isprintable()
    return [
        *(unencodable(json_body, "body") if escaped else ()),
        *(unencodable(req.args.to_dict(), "query") if in_url else ()),
        *(unencodable(req.view_args or {}, "path") if in_url else ()),
    ]


def unencodable(value: Any, field: str) -> Iterator[Problem]:
    """Strings not every database can hold, which would fail only when stored: JSON may
    escape a lone UTF-16 surrogate (`"\\ud800"`), which is not text, or a NUL character,
    which PostgreSQL's text refuses. Walked without recursion: a body may nest deeply."""
    pending: deque[tuple[Any, str]] = deque([(value, field)])
    while pending:
        item, where = pending.popleft()
        if isinstance(item, str):
            yield from _odd_text(item, where)
        elif isinstance(item, dict):
            for key, inner in item.items():
                pending.append((key, where))
                pending.append((inner, f"{where}.{key}"))
        elif isinstance(item, list):
            pending.extend((inner, f"{where}.{index}") for index, inner in enumerate(item))


def _odd_text(text: str, field: str) -> Iterator[Problem]:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        yield Problem(field, "Not valid text: a lone UTF-16 surrogate cannot be encoded")
    if "\x00" in text:
        yield Problem(field, "Not valid text: a NUL character (\\u0000)")


def unseen(more: list[Problem], known: list[Problem]) -> list[Problem]:
    """Problems on fields that openapi-core did not already flag."""
    flagged = {problem.field for problem in known}
    return [problem for problem in more if problem.field not in flagged]


def install_response_hooks(
    app: Flask, services: Services, validators: Mapping[str, OpenApiValidator]
) -> None:
    """Stamp the version header, journal and log each request, and check responses on demand.

    `validators` maps a top-level blueprint name to the document its responses must match;
    it is empty unless response validation is on.
    """

    @app.before_request
    def start_clock() -> None:
        current_g().started = time.perf_counter()
        services.clock.pin()

    @app.teardown_request
    def release_clock(_: BaseException | None) -> None:
        services.clock.unpin()

    @app.after_request
    def finish(response: Response) -> Response:
        req, state = current_request(), current_g()
        validator = validators.get((req.blueprint or "").split(".")[0]) if validators else None
        # A 5xx speaks for the emulator (a fault, a database gone), not for the API's document;
        # nor does the 404 for an operation outside the version asked for.
        checked = "fault" not in state and "outside_version" not in state
        if validator is not None and checked and response.status_code < 500:
            response = conformant(validator, response)
        control = req.path.startswith(CONTROL_PREFIX)
        version = API_VERSION if control else answered_version(req.environ.get(_VERSION))
        response.headers[VERSION_HEADER] = version
        elapsed_ms = _elapsed_ms(state)
        account_id = state.get("account_id")
        if not control and not state.get("unjournalled"):
            dropped = bool(state.get("dropped"))
            record(
                services,
                partial(journal_entry, req, services, response, account_id, elapsed_ms, dropped),
            )
        log_access(req, response, account_id, elapsed_ms)
        return response


def leave_out_of_journal() -> None:
    """Keep the request in hand out of the journal: it is the developer's browser, not code."""
    g.unjournalled = True


def conformant(validator: OpenApiValidator, response: Response) -> Response:
    """The response, or a 500 naming how it departs from the document (test mode)."""
    problems = validator.response_problems(request, response)
    if not problems:
        return response
    logger.error("non-conformant response to %s %s: %s", request.method, request.path, problems)
    message = "The emulator's response does not conform to its OpenAPI document"
    return ApiError(500, "InternalError", message, problems).response()


def record(services: Services, entry: Callable[[], JournalEntry]) -> None:
    """Keep a request in the journal; a shared journal whose database went away misses it
    rather than turning the answer (a 503 already, most likely) into a 500."""
    try:
        services.journal.record(entry())
    except StoreUnavailableError as error:
        logger.warning("request not journalled, the database is unavailable: %s", error)


def journal_entry(
    req: Request,
    services: Services,
    response: Response,
    account_id: str | None,
    elapsed_ms: float,
    dropped: bool,
) -> JournalEntry:
    """What the journal keeps of this request and its response (decoded only when read)."""
    body, body_cut = clipped(_request_bytes(req))
    answer, answer_cut = clipped(b"" if dropped else response.get_data())
    return JournalEntry(
        sequence=services.journal.next_sequence(),
        time=services.clock.now(),
        method=req.method,
        path=req.path,
        query=req.args.to_dict(),
        headers=kept_headers(headers_of(req.environ)),
        body=body,
        body_truncated=body_cut,
        status=0 if dropped else response.status_code,
        response_body=answer,
        response_truncated=answer_cut,
        account_id=account_id,
        duration_ms=elapsed_ms,
    )


def headers_of(environ: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The request's headers, named as werkzeug names them, read straight from the environ."""
    return [
        (name, value)
        for key, value in environ.items()
        if (name := _header_name(key)) is not None and (value or key.startswith("HTTP_"))
    ]


@lru_cache(maxsize=1024)  # the same few keys on every request; a bounded cache
def _header_name(key: str) -> str | None:
    if key.startswith("HTTP_"):
        return None if key in _CGI_HEADERS else key[5:].replace("_", "-").title()
    return key.replace("_", "-").title() if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else None


def _request_bytes(req: Request) -> bytes:
    try:
        return req.get_data(cache=True)
    except HTTPException:  # a body over the limit is never read
        return b""


def _elapsed_ms(state: Any) -> float:
    started: float = state.get("started", time.perf_counter())
    return round((time.perf_counter() - started) * 1000, 3)
