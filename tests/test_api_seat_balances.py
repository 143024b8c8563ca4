"""GET /seat-balances through HTTP: one item per customer, as of the clock (BEHAVIOUR.md §6)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import basic, frozen_clock
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from emulator.app import create_app
from emulator.config import Settings
from emulator.domain.accounts import derived_account_id
from emulator.domain.clock import Clock

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def clock(app: Flask) -> Clock:
    return frozen_clock(app, NOW)


def post(
    client: FlaskClient,
    alias: str = "acme",
    seat_type: str = "admin",
    timestamp: str = "2024-04-01T00:00:00Z",
    total: int = 1,
    event_id: str | None = None,
    client_id: str = "key",
) -> None:
    body: dict[str, Any] = {
        "customerAlias": alias,
        "seatType": seat_type,
        "eventTimestamp": timestamp,
        "total": total,
    }
    if event_id is not None:
        body["customerEventId"] = event_id
    response = client.post("/seat-events", json=body, headers=basic(client_id))
    assert response.status_code == 201, response.get_json()


def get_balances(
    client: FlaskClient, client_id: str = "key", path: str = "/seat-balances", **query: Any
) -> TestResponse:
    return client.get(path, query_string=query, headers=basic(client_id))


def customers(client: FlaskClient, client_id: str = "key", **query: Any) -> dict[str, Any]:
    """The items, by legalName."""
    response = get_balances(client, client_id, **query)
    assert response.status_code == 200, response.get_json()
    return {item["legalName"]: item for item in response.get_json()["items"]}


def seats(client: FlaskClient, alias: str = "acme") -> dict[str, tuple[int, str]]:
    """One customer's balances: seat type -> (total, changeTimestamp)."""
    item = customers(client).get(alias)
    assert item is not None, f"{alias} has no item"
    return {b["seatType"]: (b["total"], b["changeTimestamp"]) for b in item["balances"]}


def error_fields(response: TestResponse) -> set[str]:
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["type"] == "validationError"
    return {detail["key"] for detail in response.get_json()["error"]["errors"]}


@pytest.mark.parametrize("path", ["/seat-balances", "/api/seat-balances"])
def test_an_alias_is_its_own_customer(client: FlaskClient, path: str) -> None:
    post(client, timestamp="2024-04-18T00:00:00Z", total=3)
    body = get_balances(client, path=path).get_json()
    item = body["items"][0]
    assert uuid.UUID(item.pop("id"))
    assert body == {
        "items": [
            {
                "sequenceAccountId": derived_account_id("key"),
                "legalName": "acme",
                "customerAliases": ["acme"],
                "total": 3,
                "changeTimestamp": "2024-04-18T00:00:00Z",
                "balances": [
                    {"seatType": "admin", "total": 3, "changeTimestamp": "2024-04-18T00:00:00Z"}
                ],
            }
        ],
        "pagination": {"after": None, "before": None, "totalResultSize": 1},
    }


def test_the_implicit_id_is_stable_per_account_and_alias(
    client: FlaskClient, settings: Settings
) -> None:
    post(client, total=1)
    post(client, alias="beta")
    post(client, client_id="other")
    first = customers(client)["acme"]["id"]
    post(client, total=2, seat_type="viewer")
    assert customers(client)["acme"]["id"] == first
    assert customers(client)["beta"]["id"] != first
    assert customers(client, client_id="other")["acme"]["id"] != first
    fresh = create_app(settings).test_client()
    post(fresh)
    assert customers(fresh)["acme"]["id"] == first


def test_one_balance_per_seat_type_and_the_item_sums_them(client: FlaskClient) -> None:
    post(client, seat_type="viewer", timestamp="2024-04-20T00:00:00Z", total=5)
    post(client, seat_type="admin", timestamp="2024-04-10T00:00:00Z", total=3)
    item = customers(client)["acme"]
    assert seats(client) == {
        "viewer": (5, "2024-04-20T00:00:00Z"),
        "admin": (3, "2024-04-10T00:00:00Z"),
    }
    assert item["total"] == 8
    assert item["changeTimestamp"] == "2024-04-20T00:00:00Z"


def test_the_balance_is_the_latest_dated_event_not_after_now(client: FlaskClient) -> None:
    post(client, timestamp="2024-04-10T00:00:00Z", total=2)
    post(client, timestamp="2024-04-25T00:00:00Z", total=7)
    post(client, timestamp="2024-04-15T00:00:00Z", total=4)
    assert seats(client) == {"admin": (7, "2024-04-25T00:00:00Z")}


def test_an_older_dated_event_received_later_does_not_override(client: FlaskClient) -> None:
    post(client, timestamp="2024-04-20T00:00:00Z", total=7)
    post(client, timestamp="2024-04-10T00:00:00Z", total=2)
    assert seats(client) == {"admin": (7, "2024-04-20T00:00:00Z")}


@pytest.mark.parametrize(("first", "second"), [(2, 9), (9, 2)])
def test_equal_instants_are_won_by_the_later_received(
    client: FlaskClient, first: int, second: int
) -> None:
    post(client, timestamp="2024-04-18T02:00:00+02:00", total=first)
    post(client, timestamp="2024-04-18T00:00:00Z", total=second)
    assert seats(client) == {"admin": (second, "2024-04-18T00:00:00Z")}


@pytest.mark.parametrize(
    ("sent", "rendered"),
    [
        ("2024-04-18T02:00:00+02:00", "2024-04-18T00:00:00Z"),
        ("2024-04-17T20:30:00-03:30", "2024-04-18T00:00:00Z"),
        ("2024-04-18", "2024-04-18T00:00:00Z"),
        ("2024-04-18T00:00:00", "2024-04-18T00:00:00Z"),
        ("2024-04-18T00:00:00.000Z", "2024-04-18T00:00:00Z"),
        ("2024-04-18T00:00:00.250Z", "2024-04-18T00:00:00.250Z"),
        ("2024-04-18T02:00:00.250+02:00", "2024-04-18T00:00:00.250Z"),
    ],
)
def test_change_timestamps_are_utc_with_z(client: FlaskClient, sent: str, rendered: str) -> None:
    post(client, timestamp=sent)
    assert seats(client)["admin"][1] == rendered
    assert customers(client)["acme"]["changeTimestamp"] == rendered


def test_a_customer_with_only_future_events_has_no_item(client: FlaskClient) -> None:
    post(client, timestamp="2024-06-01T00:00:00Z")
    body = get_balances(client).get_json()
    assert body["items"] == []
    assert body["pagination"]["totalResultSize"] == 0


def test_a_seat_type_with_only_future_events_has_no_entry(client: FlaskClient) -> None:
    post(client, seat_type="admin", total=3)
    post(client, seat_type="viewer", timestamp="2024-06-01T00:00:00Z", total=5)
    assert seats(client) == {"admin": (3, "2024-04-01T00:00:00Z")}
    assert customers(client)["acme"]["total"] == 3


def test_a_future_event_counts_once_the_clock_reaches_it(client: FlaskClient, clock: Clock) -> None:
    post(client, total=3)
    post(client, timestamp="2024-05-01T00:00:10Z", total=8)
    post(client, alias="beta", timestamp="2024-05-01T00:00:10Z", total=1)
    assert seats(client) == {"admin": (3, "2024-04-01T00:00:00Z")}
    clock.advance(timedelta(seconds=9))
    assert seats(client) == {"admin": (3, "2024-04-01T00:00:00Z")}
    assert "beta" not in customers(client)
    clock.advance(timedelta(seconds=1))
    assert seats(client) == {"admin": (8, "2024-05-01T00:00:10Z")}
    assert seats(client, "beta") == {"admin": (1, "2024-05-01T00:00:10Z")}


def test_a_resent_event_wins_even_with_an_older_timestamp(client: FlaskClient) -> None:
    post(client, event_id="e1", timestamp="2024-04-20T00:00:00Z", total=7)
    post(client, event_id="e1", timestamp="2024-04-05T00:00:00Z", total=9)
    assert seats(client) == {"admin": (9, "2024-04-05T00:00:00Z")}


def test_a_resent_event_moved_back_in_time_leaves_the_old_slot(client: FlaskClient) -> None:
    post(client, event_id="e0", timestamp="2024-04-10T00:00:00Z", total=1)
    post(client, event_id="e1", timestamp="2024-04-20T00:00:00Z", total=7)
    post(client, event_id="e1", timestamp="2024-04-05T00:00:00Z", total=9)
    assert seats(client) == {"admin": (1, "2024-04-10T00:00:00Z")}


def test_changing_the_alias_moves_the_event_to_the_new_customer(client: FlaskClient) -> None:
    post(client, event_id="e1", total=4)
    post(client, event_id="e1", alias="beta", total=4)
    assert set(customers(client)) == {"beta"}
    assert seats(client, "beta") == {"admin": (4, "2024-04-01T00:00:00Z")}


def test_changing_the_seat_type_removes_the_old_entry(client: FlaskClient) -> None:
    post(client, event_id="e1", seat_type="admin", total=4)
    post(client, event_id="e1", seat_type="viewer", total=4)
    assert seats(client) == {"viewer": (4, "2024-04-01T00:00:00Z")}


def test_the_old_series_falls_back_to_its_previous_event(client: FlaskClient) -> None:
    post(client, event_id="e0", timestamp="2024-04-01T00:00:00Z", total=2)
    post(client, event_id="e1", timestamp="2024-04-10T00:00:00Z", total=5)
    post(client, event_id="e1", alias="beta", timestamp="2024-04-10T00:00:00Z", total=5)
    assert seats(client) == {"admin": (2, "2024-04-01T00:00:00Z")}
    assert seats(client, "beta") == {"admin": (5, "2024-04-10T00:00:00Z")}


def test_voiding_the_only_event_removes_the_customer(client: FlaskClient) -> None:
    post(client, event_id="e1", total=4)
    post(client, event_id="e1", alias="VOID", total=4)
    assert customers(client) == {}


def test_voiding_an_event_falls_back_to_the_previous_one(client: FlaskClient) -> None:
    post(client, event_id="e0", timestamp="2024-04-01T00:00:00Z", total=2)
    post(client, event_id="e1", timestamp="2024-04-10T00:00:00Z", total=5)
    post(client, event_id="e1", alias="VOID", timestamp="2024-04-10T00:00:00Z", total=5)
    assert seats(client) == {"admin": (2, "2024-04-01T00:00:00Z")}


def test_void_is_never_a_customer(client: FlaskClient) -> None:
    post(client, alias="VOID", event_id="fresh", total=6)
    post(client, alias="acme", total=1)
    assert set(customers(client)) == {"acme"}


def test_zero_is_a_real_balance(client: FlaskClient) -> None:
    post(client, timestamp="2024-04-01T00:00:00Z", total=4)
    post(client, timestamp="2024-04-10T00:00:00Z", total=0)
    assert seats(client) == {"admin": (0, "2024-04-10T00:00:00Z")}
    assert customers(client)["acme"]["total"] == 0


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({}, {"acme", "beta", "gamma"}),
        ({"excludeZeroQuantity": "false"}, {"acme", "beta", "gamma"}),
        ({"excludeZeroQuantity": "true"}, {"beta", "gamma"}),
    ],
)
def test_exclude_zero_quantity_drops_customers_whose_total_is_zero(
    client: FlaskClient, query: dict[str, str], names: set[str]
) -> None:
    post(client, alias="acme", total=0)
    post(client, alias="beta", total=3)
    post(client, alias="gamma", seat_type="admin", total=0)
    post(client, alias="gamma", seat_type="viewer", total=2)
    found = customers(client, **query)
    assert set(found) == names
    assert len(found["gamma"]["balances"]) == 2  # a kept customer keeps its zero entry


def test_exclude_zero_quantity_must_be_a_boolean(client: FlaskClient) -> None:
    response = get_balances(client, excludeZeroQuantity="maybe")
    assert "excludeZeroQuantity" in error_fields(response)


def test_customer_aliases_filter_keeps_customers_with_any_of_them(client: FlaskClient) -> None:
    for alias in ("acme", "beta", "gamma"):
        post(client, alias=alias)
    assert set(customers(client, customerAliases="acme,gamma")) == {"acme", "gamma"}
    assert set(customers(client, customerAliases="beta")) == {"beta"}
    assert customers(client, customerAliases="nobody") == {}


def test_customer_ids_filter_keeps_customers_with_those_ids(client: FlaskClient) -> None:
    for alias in ("acme", "beta", "gamma"):
        post(client, alias=alias)
    ids = {name: item["id"] for name, item in customers(client).items()}
    query = {"customerIds": f"{ids['beta']},{ids['gamma']},{uuid.uuid4()}"}
    assert set(customers(client, **query)) == {"beta", "gamma"}
    assert customers(client, customerIds=str(uuid.uuid4())) == {}


@pytest.mark.parametrize("field", ["customerAliases", "customerIds"])
def test_at_most_25_filter_values(client: FlaskClient, field: str) -> None:
    post(client)
    values = [f"v{n}" for n in range(25)]
    assert get_balances(client, **{field: ",".join(values)}).status_code == 200
    response = get_balances(client, **{field: ",".join([*values, "v25"])})
    assert f"{field}" in error_fields(response)


def test_items_are_sorted_by_legal_name(client: FlaskClient) -> None:
    for alias in ("zeta", "alpha", "mike"):
        post(client, alias=alias)
    body = get_balances(client).get_json()
    assert [item["legalName"] for item in body["items"]] == ["alpha", "mike", "zeta"]
    assert body["pagination"] == {"after": None, "before": None, "totalResultSize": 3}


def test_another_account_never_sees_these_balances(client: FlaskClient) -> None:
    post(client, alias="acme", total=5)
    post(client, alias="beta", total=2, client_id="other")
    assert set(customers(client)) == {"acme"}
    assert set(customers(client, client_id="other")) == {"beta"}
    assert customers(client, client_id="third") == {}
    other = customers(client, client_id="other")["beta"]
    assert other["sequenceAccountId"] == derived_account_id("other")
