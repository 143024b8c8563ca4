"""EmulatorServer: an emulator listening on a real port, in this process."""

from __future__ import annotations

import json
import threading
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from emulator.http.context import EXTENSION
from emulator.http.errors import JSON_UTF8, ApiError, Problem, type_for_status
from emulator.http.version import API_VERSION, VERSION_HEADER

READ_TIMEOUT_S = 5.0  # a client that stops sending mid-request is cut off, not waited on
_PROBLEM_KEYS = {414: "path", 431: "headers"}


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without its own request log (the app writes one access line), whose
    own refusals are in the error envelope, and that gives up on a client gone silent."""

    timeout = READ_TIMEOUT_S

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Leave request logging to the app."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A request the server refused before the app saw it (a garbage request line, a URL
        or header line over 64 KiB, over 100 headers), answered as JSON, not HTML."""
        self.log_error("code %d, message %s", code, message)
        if self.request_version == "HTTP/0.9":  # an unreadable request line: answer in HTTP/1.0
            self.request_version = "HTTP/1.0"
        text = (message or self.responses.get(code, ("Error",))[0])[:200]
        problems = [Problem(_PROBLEM_KEYS.get(code, "request"), text)] if code < 500 else []
        body = ApiError(code, type_for_status(code), text, problems).body()
        payload = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", JSON_UTF8)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header(VERSION_HEADER, API_VERSION)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if self.command != "HEAD":
            self.wfile.write(payload)


class EmulatorServer:
    """A threaded WSGI server bound at construction (port 0 picks a free port, with no race)."""

    def __init__(
        self,
        app: Flask,
        host: str = "127.0.0.1",
        port: int = 0,
        read_timeout_s: float = READ_TIMEOUT_S,
    ) -> None:
        self.app = app
        handler = type("_Handler", (_QuietHandler,), {"timeout": read_timeout_s})
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=handler
        )
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        """The address the server is bound to."""
        return str(self._server.host)

    @property
    def port(self) -> int:
        """The port the server is bound to."""
        return int(self._server.port)

    @property
    def url(self) -> str:
        """The base URL to give a client."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve in the calling thread until shutdown() or stop()."""
        self._server.serve_forever()

    def start(self) -> EmulatorServer:
        """Serve in a daemon thread and return at once."""
        self._thread = threading.Thread(
            target=self.serve_forever, name="sequence-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release the port, and close the emulator's store."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        services = self.app.extensions.get(EXTENSION)
        if services is not None:
            services.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
