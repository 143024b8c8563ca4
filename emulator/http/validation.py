"""Request and response validation against the embedded OpenAPI document: a compiled fast
path in front of openapi-core, which is loaded in the background."""

from __future__ import annotations

import json
import logging
import threading
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from flask import Request, Response
from werkzeug.test import EnvironBuilder

from emulator.http.errors import Problem
from emulator.http.fastpath import FastPath, without_header
from emulator.http.fastresponse import FastResponses
from emulator.http.version import VERSION_HEADER
from emulator.spec import shared_document

if TYPE_CHECKING:
    from emulator.http.authority import Authority

logger = logging.getLogger(__name__)
_BUILDING = threading.Lock()


def route_of(request: Request) -> str:
    """The matched route ('/api/customers/<customer_id>'), the path when none matched."""
    return request.url_rule.rule if request.url_rule is not None else request.path


class RequestValidator(Protocol):
    """Anything that lists what is wrong with a request (empty when nothing is)."""

    def request_problems(
        self, request: Request, body: bytes | None, parsed: Any = None
    ) -> list[Problem]:
        """Every problem of `request`, whose body is given separately (raw and parsed)."""
        ...


class OpenApiValidator:
    """openapi-core, the authority on what a valid request is, behind a compiled fast path."""

    def __init__(self, document: dict[str, Any]) -> None:
        # The version rule judges Sequence-Version before validation, against every version
        # accepted; the document names only its own.
        document = without_header(document, VERSION_HEADER)
        self.fast_path = FastPath(document)
        self.fast_responses = FastResponses(document)
        self._document = document
        self._authority: Authority | None = None
        # Built on a background thread once the first request is answered by the fast path:
        # started with the app, it would compete with start-up for the interpreter.
        self._loading = threading.Thread(
            target=self._load_quietly, name="openapi-core", daemon=True
        )
        self._starting = threading.Lock()

    def request_problems(
        self, request: Request, body: bytes | None, parsed: Any = None
    ) -> list[Problem]:
        """Every problem of the request, not only the first: none when the compiled fast path
        accepts it, else what openapi-core finds."""
        if self.fast_accepts(request, body, parsed):
            self._warm()
            return []
        return self.authority_problems(request, body)

    def fast_accepts(self, request: Request, body: bytes | None, parsed: Any) -> bool:
        """Whether the compiled fast path is sure the request is valid."""
        return self.fast_path.accepts(
            "get" if request.method == "HEAD" else request.method,
            route_of(request),
            request.headers,
            request.args.to_dict(flat=False),
            request.mimetype if body else None,
            parsed,
            bool(body),
        )

    def body_problems(self, method: str, path: str, document: Any) -> list[Problem]:
        """What is wrong with `document` sent as the JSON body of `method path`, with no other
        header or parameter: a seed file is judged as a state import would judge it."""
        if self.fast_path.accepts(method, path, {}, {}, "application/json", document, True):
            return []
        body = json.dumps(document, default=str).encode()
        environ = EnvironBuilder(
            path=path, method=method.upper(), data=body, content_type="application/json"
        ).get_environ()
        return self.authority_problems(Request(environ), body)

    def authority_problems(self, request: Request, body: bytes | None) -> list[Problem]:
        """What openapi-core finds, without the fast path (tests compare the two)."""
        return self._ready().request_problems(request, body)

    def response_problems(self, request: Request, response: Response) -> list[Problem]:
        """Every way the response departs from the document: none when the compiled check
        accepts it, else what openapi-core finds."""
        if self.fast_accepts_response(request, response):
            return []
        return self.authority_response_problems(request, response)

    def fast_accepts_response(self, request: Request, response: Response) -> bool:
        """Whether the compiled check is sure the response conforms."""
        return self.fast_responses.accepts(
            request.method,
            route_of(request),
            response.status_code,
            response.mimetype or "",
            response.data,
        )

    def authority_response_problems(self, request: Request, response: Response) -> list[Problem]:
        """What openapi-core finds in a response, without the compiled check."""
        return self._ready().response_problems(request, response)

    def _load(self) -> None:
        # One at a time: two apps' validators importing and building openapi-core at once
        # have been seen to race inside it.
        with _BUILDING:
            if self._authority is None:
                from emulator.http.authority import Authority

                self._authority = Authority(self._document)

    def _load_quietly(self) -> None:
        """The background load: a failure is left for _ready() to meet again, loudly."""
        try:
            self._load()
        except Exception:
            logger.debug("openapi-core could not be built in the background", exc_info=True)

    def _warm(self) -> None:
        """Start building openapi-core in the background, once."""
        if self._loading.ident is None:
            with self._starting:
                if self._loading.ident is None:
                    self._loading.start()

    def _ready(self) -> Authority:
        if self._loading.ident is not None:
            self._loading.join()
        if self._authority is None:  # not built yet, or the background build failed
            self._load()
        assert self._authority is not None
        return self._authority


@cache
def shared_validator(name: str) -> OpenApiValidator:
    """The validator of an embedded document, one per process: every app of the process
    shares its compiled checks and its openapi-core object, built once."""
    return OpenApiValidator(shared_document(name))
