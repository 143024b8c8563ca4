"""EmulatorServer: an emulator listening on a real port, in this process."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from emulator.http.context import EXTENSION


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without its own request log: the app writes one access line."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Leave request logging to the app."""


class EmulatorServer:
    """A threaded WSGI server bound at construction (port 0 picks a free port, with no race)."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_QuietHandler
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
