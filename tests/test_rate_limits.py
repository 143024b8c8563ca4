"""The opt-in rate limits over HTTP: the general one, and POST /usage-events' own."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from conftest import SEQUENCE_EXAMPLE, basic
from flask import Flask
from flask.testing import FlaskClient
from usage import USAGE_EXAMPLE
from werkzeug.test import TestResponse

from emulator.app import create_app
from emulator.config import Settings
from emulator.domain.rate_limits import USAGE_EVENTS_LIMIT, RateLimit
from emulator.http.context import EXTENSION
from emulator.services import Services


@pytest.fixture
def limited() -> FlaskClient:
    return create_app(Settings(validate_responses=True, rate_limit=RateLimit(3, 60))).test_client()


def test_the_fourth_request_in_the_window_is_429(limited: FlaskClient) -> None:
    statuses = [limited.get("/seat-events", headers=basic()).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = limited.get("/seat-balances", headers=basic())
    assert response.status_code == 429
    assert response.get_json()["error"]["type"] == "RateLimited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_another_client_id_has_its_own_window(limited: FlaskClient) -> None:
    for _ in range(4):
        limited.get("/seat-events", headers=basic())
    assert limited.get("/seat-events", headers=basic("other")).status_code == 200


def test_a_limited_post_stores_nothing(limited: FlaskClient) -> None:
    for total in range(4):
        limited.post("/seat-events", json={**SEQUENCE_EXAMPLE, "total": total}, headers=basic())
    assert limited.get("/_emulator/health").get_json()["counts"]["seatEvents"] == 3


def test_the_control_plane_is_not_rate_limited(limited: FlaskClient) -> None:
    assert {limited.get("/_emulator/health").status_code for _ in range(10)} == {200}


def test_without_a_limit_nothing_is_limited(client: FlaskClient) -> None:
    assert {client.get("/seat-events", headers=basic()).status_code for _ in range(20)} == {200}


# --- POST /usage-events' own limit ----------------------------------------------------------

Build = Callable[..., FlaskClient]


@pytest.fixture
def build() -> Iterator[Build]:
    """Apps with the given rate limits (memory store), closed after the test."""
    built: list[Flask] = []

    def make(
        rate_limit: RateLimit | None = None, usage_rate_limit: RateLimit | None = None
    ) -> FlaskClient:
        limits = Settings(
            validate_responses=True, rate_limit=rate_limit, usage_rate_limit=usage_rate_limit
        )
        app = create_app(limits)
        built.append(app)
        return app.test_client()

    yield make
    for app in built:
        app.extensions[EXTENSION].close()


def services_of(client: FlaskClient) -> Services:
    found: Services = client.application.extensions[EXTENSION]
    return found


def usage(client: FlaskClient, n: int, prefix: str = "", client_id: str = "key") -> TestResponse:
    body = USAGE_EXAMPLE | {"customerEventId": f"event-{n}"}
    return client.post(f"{prefix}/usage-events", json=body, headers=basic(client_id))


def seat(client: FlaskClient, n: int) -> TestResponse:
    body = SEQUENCE_EXAMPLE | {"customerEventId": f"event-{n}"}
    return client.post("/seat-events", json=body, headers=basic())


def message(response: TestResponse) -> str:
    assert response.status_code == 429, response.get_json()
    assert response.get_json()["error"]["type"] == "RateLimited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    return str(response.get_json()["error"]["message"])


def test_usage_events_have_their_own_window_and_seat_events_the_general_one(build: Build) -> None:
    client = build(rate_limit=RateLimit(3, 60), usage_rate_limit=RateLimit(2, 60))
    assert [usage(client, n).status_code for n in range(2)] == [201, 201]
    assert "POST /usage-events (2 requests a minute)" in message(usage(client, 2))
    # The usage window is full; the general one has its whole budget left.
    assert [seat(client, n).status_code for n in range(3)] == [201, 201, 201]
    assert "The API's rate limit (3 requests a minute)" in message(seat(client, 3))
    assert "POST /usage-events" in message(usage(client, 3))
    health = client.get("/_emulator/health").get_json()["counts"]
    assert (health["usageEvents"], health["seatEvents"]) == (2, 3)  # nothing refused was kept


def test_a_full_general_window_leaves_usage_events_their_budget(build: Build) -> None:
    client = build(rate_limit=RateLimit(2, 60), usage_rate_limit=RateLimit(3, 60))
    for _ in range(2):
        assert client.get("/seat-balances", headers=basic()).status_code == 200
    assert client.get("/seat-balances", headers=basic()).status_code == 429
    assert [usage(client, n).status_code for n in range(3)] == [201, 201, 201]
    assert usage(client, 3).status_code == 429


def test_the_api_twin_shares_the_usage_window(build: Build) -> None:
    client = build(usage_rate_limit=RateLimit(2, 60))
    assert usage(client, 0).status_code == 201
    assert usage(client, 1, prefix="/api").status_code == 201
    assert "POST /usage-events" in message(usage(client, 2, prefix="/api"))
    assert "POST /usage-events" in message(usage(client, 3))
    assert usage(client, 4, client_id="other").status_code == 201  # a window per client id


def test_listing_usage_events_counts_against_the_general_window(build: Build) -> None:
    client = build(rate_limit=RateLimit(2, 60), usage_rate_limit=RateLimit(5, 60))
    for _ in range(2):
        assert client.get("/usage-events", headers=basic()).status_code == 200
    assert "The API's rate limit" in message(client.get("/api/usage-events", headers=basic()))
    assert usage(client, 0).status_code == 201


def test_only_a_usage_limit_leaves_everything_else_unlimited(build: Build) -> None:
    client = build(usage_rate_limit=RateLimit(1, 60))
    assert services_of(client).rate_limiter is None
    assert {seat(client, n).status_code for n in range(20)} == {201}
    assert usage(client, 0).status_code == 201
    assert usage(client, 1).status_code == 429


def test_a_general_limit_alone_gives_usage_events_sequences_12000_a_minute(build: Build) -> None:
    services = services_of(build(rate_limit=RateLimit(1500, 60)))
    assert services.rate_limiter is not None and services.rate_limiter.limit == RateLimit(1500, 60)
    assert services.usage_rate_limiter is not None
    assert services.usage_rate_limiter.limit == USAGE_EVENTS_LIMIT == RateLimit(12_000, 60)


def test_with_neither_limit_there_is_no_window(build: Build) -> None:
    services = services_of(build())
    assert (services.rate_limiter, services.usage_rate_limiter) == (None, None)


@pytest.mark.parametrize(
    ("general", "own", "expected"),
    [
        (None, None, None),
        (RateLimit(1500, 60), None, RateLimit(12_000, 60)),
        (None, RateLimit(7, 1), RateLimit(7, 1)),
        (RateLimit(1500, 60), RateLimit(100, 60), RateLimit(100, 60)),
    ],
)
def test_the_usage_events_limit_follows_the_settings(
    general: RateLimit | None, own: RateLimit | None, expected: RateLimit | None
) -> None:
    settings = Settings(rate_limit=general, usage_rate_limit=own)
    assert settings.usage_events_limit() == expected
