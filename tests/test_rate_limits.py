"""The opt-in rate limit over HTTP: a sliding window per client id, product requests only."""

from __future__ import annotations

import pytest
from conftest import SEQUENCE_EXAMPLE, basic
from flask.testing import FlaskClient

from emulator.app import create_app
from emulator.config import Settings
from emulator.domain.rate_limits import RateLimit


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
