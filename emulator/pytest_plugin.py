"""pytest fixtures for code that talks to Sequence: a live emulator per session, fresh per test.

Registered through the `pytest11` entry point; importing it builds nothing, so a test session
that never asks for a `sequence_emulator*` fixture pays nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient

    from emulator.server import EmulatorServer
    from emulator.testing import Control, SequenceEmulator

URL_OPTION = "--sequence-emulator-url"
URL_VARIABLE = "SEQUENCE_EMULATOR_URL"
TOKEN_VARIABLE = "SEQUENCE_EMULATOR_ADMIN_TOKEN"


def pytest_addoption(parser: pytest.Parser) -> None:
    """--sequence-emulator-url: use an emulator that is already running."""
    group = parser.getgroup("sequence-emulator")
    group.addoption(
        URL_OPTION,
        default=os.environ.get(URL_VARIABLE),
        help=f"use the emulator at this URL instead of starting one (env {URL_VARIABLE})",
    )


@dataclass
class InProcessControl:
    """The control plane of a server in this process: a fresh emulator costs microseconds."""

    app: Flask

    def begin(self, account_id: str) -> int:
        """Empty everything, clear journal and faults, let the clock run again."""
        from emulator.http.context import EXTENSION

        services = self.app.extensions[EXTENSION]
        services.store.reset()
        services.journal.clear()
        services.faults.clear()
        services.clock.resume()
        return 0  # the journal starts empty

    def call(
        self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None
    ) -> Any:
        """One control-plane call through the app itself."""
        from emulator.testing import HttpError

        response = self.app.test_client().open(path, method=method, json=body, query_string=query)
        if response.status_code >= 400:
            raise HttpError(response.status_code, response.get_json())
        return response.get_json()


@dataclass
class Target:
    """Where the session's emulator is, and how to reach its control plane."""

    url: str
    control: Control
    app: Flask | None = None


def worker_client_id(config: pytest.Config) -> str:
    """`key` locally; one client id per xdist worker when several share an external server."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    external = config.getoption(URL_OPTION)
    return f"key-{worker}" if external and worker else "key"


@pytest.fixture(scope="session")
def sequence_emulator_server(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The session's emulator: one started on a free port, or the one at URL_OPTION."""
    from emulator.testing import HttpControl

    external = request.config.getoption(URL_OPTION)
    if external:
        url = external.rstrip("/")
        yield Target(url, HttpControl(url, os.environ.get(TOKEN_VARIABLE)))
        return
    server = _start_server()
    try:
        yield Target(server.url, InProcessControl(server.app), server.app)
    finally:
        server.stop()


def _start_server(**settings: Any) -> EmulatorServer:
    from emulator.app import create_app
    from emulator.config import Settings
    from emulator.server import EmulatorServer

    app = create_app(Settings(validate_responses=True, **settings))
    return EmulatorServer(app, "127.0.0.1", 0).start()


@pytest.fixture
def sequence_emulator(
    sequence_emulator_server: Target, request: pytest.FixtureRequest
) -> Iterator[SequenceEmulator]:
    """The session's emulator, fresh for this test: its url, credentials and helpers."""
    from emulator.testing import SequenceEmulator

    handle = SequenceEmulator(
        sequence_emulator_server.url,
        sequence_emulator_server.control,
        client_id=worker_client_id(request.config),
    ).begin()
    yield handle
    handle.end()


@pytest.fixture
def sequence_emulator_client(
    sequence_emulator_server: Target, sequence_emulator: SequenceEmulator
) -> FlaskClient:
    """A Flask test client on the session's emulator, for tests that need no socket."""
    if sequence_emulator_server.app is None:
        pytest.skip(f"no in-process emulator with {URL_OPTION}: use the sequence_emulator fixture")
    return sequence_emulator_server.app.test_client()


@pytest.fixture
def sequence_emulator_factory() -> Iterator[Callable[..., SequenceEmulator]]:
    """Start emulators with their own settings (credentials, seed, store...); stopped after."""
    from emulator.testing import SequenceEmulator

    started: list[EmulatorServer] = []

    def start(
        client_id: str = "key",
        client_secret: str = "secret",
        credentials: list[str] | None = None,
        **settings: Any,
    ) -> SequenceEmulator:
        """A new emulator; `credentials` as on the command line, other Settings by name."""
        from emulator.config import parse_credential

        if credentials:
            settings["credentials"] = tuple(parse_credential(text) for text in credentials)
        server = _start_server(**settings)
        started.append(server)
        return SequenceEmulator(
            server.url, InProcessControl(server.app), client_id, client_secret
        ).begin()

    yield start
    for server in started:
        server.stop()
