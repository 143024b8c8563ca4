"""Apps built from the factory, with every response checked against the OpenAPI document."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from postgres import PostgresDatabases, PostgresServer, postgres_available
from werkzeug.test import TestResponse

from emulator.app import create_app
from emulator.config import Settings
from emulator.domain.clock import Clock
from emulator.http.context import EXTENSION

pytest_plugins = ["pytester"]  # the pytest plugin is tested by real pytest runs

# The request copied from Sequence's page for POST /seat-events.
SEQUENCE_EXAMPLE = {
    "customerEventId": "event-id-H4twuTWpYx1rkd8OMTki2hTUcZ",
    "customerAlias": "customer-id-2H4u5BBwBWsS5V2sroRFqJfTXpW",
    "seatType": "admin",
    "eventTimestamp": "2022-10-01T00:00:00Z",
    "total": 1,
}


def frozen_clock(app: Flask, at: datetime) -> Clock:
    """The app's clock, stopped at `at` (tests that depend on 'now' or on id order)."""
    clock: Clock = app.extensions[EXTENSION].clock
    clock.freeze(at)
    return clock


def basic(client_id: str = "key", secret: str = "secret") -> dict[str, str]:
    """An Authorization header for HTTP Basic credentials."""
    token = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


STORE_KINDS = ["memory", "sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server for this test process, removed at the end."""
    reason = postgres_available()
    if reason is not None:
        pytest.fail(f"PostgreSQL tests cannot run: {reason}")
    server = PostgresServer.start(tmp_path_factory.mktemp("postgres"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_databases(postgres_server: PostgresServer) -> PostgresDatabases:
    """Databases on the server, lent to one test at a time and emptied before each loan."""
    return PostgresDatabases(postgres_server)


NewStore = Callable[[str], str]


@pytest.fixture
def new_store_spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewStore]:
    """`--store` values of a kind, each naming an empty store of its own for this test."""
    lent: list[str] = []
    files = itertools.count()

    def new(kind: str) -> str:
        if kind == "memory":
            return "memory"
        if kind == "sqlite":
            return f"sqlite:{tmp_path / f'emulator-{next(files)}.db'}"
        databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
        lent.append(databases.borrow())
        return lent[-1]

    yield new
    if lent:
        request.getfixturevalue("postgres_databases").give_back(lent)


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    """Every test that builds the default app runs on every engine."""
    return str(request.param)


@pytest.fixture
def store_spec(store_kind: str, new_store_spec: NewStore) -> str:
    """An empty store of each kind: memory, an SQLite file, a PostgreSQL database."""
    return new_store_spec(store_kind)


@pytest.fixture
def settings(store_spec: str) -> Settings:
    """Test settings: responses are validated, so a non-conformant one fails the test."""
    return Settings(validate_responses=True, store=store_spec)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """A fresh emulator per test; its store is closed afterwards."""
    built = create_app(settings)
    yield built
    built.extensions[EXTENSION].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Flask's test client for the emulator."""
    return app.test_client()


PostEvent = Callable[..., TestResponse]


@pytest.fixture
def post_event(client: FlaskClient) -> PostEvent:
    """POST /seat-events with the example body, changed by keyword arguments."""

    def post(client_id: str = "key", path: str = "/seat-events", **fields: Any) -> TestResponse:
        return client.post(path, json={**SEQUENCE_EXAMPLE, **fields}, headers=basic(client_id))

    return post
