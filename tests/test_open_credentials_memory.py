"""Open credentials: a new client id leaves nothing behind that outlives its requests. No
account without data, in any listing, on any store kind; a bounded set of rate-limit windows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import basic
from flask import Flask
from flask.testing import FlaskClient

from emulator.app import create_app
from emulator.config import Settings
from emulator.domain.rate_limits import MAX_CLIENTS, RateLimit, RateLimiter
from emulator.http.context import EXTENSION

READS = [
    "/seat-events",
    "/seat-balances",
    "/seat-metrics",
    "/customers",
    "/customer-aliases",
    "/customers/by-alias/acme",
    "/sequence-accounts",
    "/api/seat-events",
]


@pytest.fixture
def settings(store_spec: str) -> Settings:
    return Settings(validate_responses=True, store=store_spec, rate_limit=RateLimit(100, 60))


def limiter(app: Flask) -> RateLimiter:
    found: RateLimiter = app.extensions[EXTENSION].rate_limiter
    return found


def assert_no_account(client: FlaskClient) -> None:
    assert client.get("/_emulator/health").get_json()["counts"]["accounts"] == 0
    assert client.get("/_emulator/state").get_json()["accounts"] == []


def test_reads_by_new_client_ids_store_no_account(app: Flask, client: FlaskClient) -> None:
    for n in range(40):
        for path in READS:
            response = client.get(path, headers=basic(f"reader-{n}"))
            expected = 404 if "by-alias" in path else 200
            assert response.status_code == expected, (path, response.get_json())
        refused = client.post("/seat-events", json={"total": "3"}, headers=basic(f"reader-{n}"))
        assert refused.status_code == 400
    assert_no_account(client)
    assert limiter(app).tracked() == 40


@pytest.fixture
def memory_app() -> Iterator[Flask]:
    built = create_app(Settings(validate_responses=False, rate_limit=RateLimit(5, 60)))
    yield built
    built.extensions[EXTENSION].close()


def test_ten_thousand_client_ids_leave_no_account_and_bounded_windows(memory_app: Flask) -> None:
    client = memory_app.test_client()
    for n in range(10_000):
        assert client.get("/seat-balances", headers=basic(f"client-{n}")).status_code == 200
    assert_no_account(client)
    assert limiter(memory_app).tracked() == MAX_CLIENTS
    # The most recent client ids keep their windows: the newest one is still counted.
    for _ in range(4):
        assert client.get("/seat-balances", headers=basic("client-9999")).status_code == 200
    assert client.get("/seat-balances", headers=basic("client-9999")).status_code == 429
