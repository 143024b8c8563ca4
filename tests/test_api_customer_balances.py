"""Seat balances and seat events grouped by real customer, through HTTP on both stores
(BEHAVIOUR.md §6, §11): the integrator's flow, regrouping, customerIds, accounts apart."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import basic, frozen_clock
from flask import Flask
from flask.testing import FlaskClient
from test_api_customers import create, get

from emulator.domain.accounts import derived_account_id
from emulator.domain.clock import Clock
from emulator.domain.customers import implicit_customer_id

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def clock(app: Flask) -> Clock:
    return frozen_clock(app, NOW)


def post_event(
    client: FlaskClient,
    alias: str,
    total: int,
    seat_type: str = "admin",
    day: int = 1,
    event_id: str | None = None,
    client_id: str = "key",
) -> None:
    body: dict[str, Any] = {
        "customerAlias": alias,
        "seatType": seat_type,
        "eventTimestamp": f"2024-04-{day:02d}T00:00:00Z",
        "total": total,
    }
    if event_id is not None:
        body["customerEventId"] = event_id
    response = client.post("/seat-events", json=body, headers=basic(client_id))
    assert response.status_code == 201, response.get_json()


def balances(client: FlaskClient, client_id: str = "key", **query: Any) -> list[dict[str, Any]]:
    response = get(client, "/seat-balances", client_id, **query)
    assert response.status_code == 200, response.get_json()
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


def summary(client: FlaskClient, client_id: str = "key", **query: Any) -> dict[str, Any]:
    """legalName -> (id, aliases, {seatType: total})."""
    return {
        item["legalName"]: (
            item["id"],
            item["customerAliases"],
            {b["seatType"]: b["total"] for b in item["balances"]},
        )
        for item in balances(client, client_id, **query)
    }


def event_aliases(client: FlaskClient, **query: Any) -> list[str]:
    response = get(client, "/seat-events", **query)
    assert response.status_code == 200, response.get_json()
    return sorted(event["customerAlias"] for event in response.get_json()["items"])


def test_an_integrator_creates_a_customer_then_reports_seats_by_alias_and_by_id(
    client: FlaskClient,
) -> None:
    # Sign-up: the customer, with the integrator's own id as its alias.
    acme = create(client, legalName="Acme Ltd", customerAliases=["tenant-42"])
    # Seat reports: by alias, and (another service) by Sequence's customer id.
    post_event(client, "tenant-42", 12, "admin")
    post_event(client, acme["id"], 30, "viewer", day=2)

    (item,) = balances(client)

    assert item == {
        "id": acme["id"],
        "sequenceAccountId": derived_account_id("key"),
        "legalName": "Acme Ltd",
        "customerAliases": ["tenant-42"],
        "total": 42,
        "changeTimestamp": "2024-04-02T00:00:00Z",
        "balances": [
            {"seatType": "admin", "total": 12, "changeTimestamp": "2024-04-01T00:00:00Z"},
            {"seatType": "viewer", "total": 30, "changeTimestamp": "2024-04-02T00:00:00Z"},
        ],
    }
    assert event_aliases(client, customerIds=acme["id"]) == sorted(["tenant-42", acme["id"]])


def test_the_latest_event_of_any_alias_is_the_customers_balance(client: FlaskClient) -> None:
    create(client, legalName="Acme", customerAliases=["eu", "us"])
    post_event(client, "eu", 5, day=1)
    post_event(client, "us", 8, day=3)
    post_event(client, "eu", 6, day=2)
    assert summary(client)["Acme"][2] == {"admin": 8}


def test_mapping_an_alias_later_regroups_the_events_sent_before(client: FlaskClient) -> None:
    post_event(client, "legacy", 4, "admin")
    post_event(client, "other", 1, "admin")
    assert set(summary(client)) == {"legacy", "other"}
    acme = create(client, legalName="Acme", customerAliases=["acme"])
    post_event(client, "acme", 2, "viewer")

    response = client.post(
        "/customer-aliases", json={"customerId": acme["id"], "value": "legacy"}, headers=basic()
    )

    assert response.status_code == 201
    assert summary(client) == {
        "Acme": (acme["id"], ["acme", "legacy"], {"admin": 4, "viewer": 2}),
        "other": (
            implicit_customer_id(derived_account_id("key"), "other"),
            ["other"],
            {"admin": 1},
        ),
    }


def test_deleting_an_alias_returns_its_events_to_the_implicit_customer(client: FlaskClient) -> None:
    acme = create(client, legalName="Acme", customerAliases=["acme", "legacy"])
    post_event(client, "legacy", 4)
    post_event(client, acme["id"], 1, "viewer")
    (legacy,) = [
        a
        for a in get(client, f"/customers/{acme['id']}/aliases").get_json()["items"]
        if a["value"] == "legacy"
    ]

    client.delete(f"/customer-aliases/{legacy['id']}", headers=basic())

    assert summary(client) == {
        "Acme": (acme["id"], ["acme"], {"viewer": 1}),
        "legacy": (
            implicit_customer_id(derived_account_id("key"), "legacy"),
            ["legacy"],
            {"admin": 4},
        ),
    }


def test_archiving_frees_the_aliases_but_keeps_events_sent_by_id(client: FlaskClient) -> None:
    acme = create(client, legalName="Acme", customerAliases=["acme"])
    post_event(client, "acme", 3)
    post_event(client, acme["id"], 2, "viewer")

    client.post(f"/customers/{acme['id']}/archive", headers=basic())

    assert summary(client) == {
        "Acme": (acme["id"], [], {"viewer": 2}),
        "acme": (implicit_customer_id(derived_account_id("key"), "acme"), ["acme"], {"admin": 3}),
    }


def test_a_customer_with_no_seats_in_force_is_not_listed(client: FlaskClient) -> None:
    create(client, legalName="Busy", customerAliases=["busy"])
    create(client, legalName="Later", customerAliases=["later"])
    create(client, legalName="Empty", customerAliases=["empty"])
    post_event(client, "busy", 3)
    response = client.post(
        "/seat-events",
        json={
            "customerAlias": "later",
            "seatType": "admin",
            "eventTimestamp": "2024-06-01",
            "total": 1,
        },
        headers=basic(),
    )
    assert response.status_code == 201
    assert set(summary(client)) == {"Busy"}


def test_balance_filters_resolve_customers(client: FlaskClient) -> None:
    acme = create(client, legalName="Acme", customerAliases=["acme", "acme-eu"])
    post_event(client, "acme-eu", 3)
    post_event(client, "loose", 0)
    account = derived_account_id("key")

    assert set(summary(client, customerIds=acme["id"])) == {"Acme"}
    assert set(summary(client, customerIds=implicit_customer_id(account, "acme-eu"))) == set()
    assert set(summary(client, customerIds=implicit_customer_id(account, "loose"))) == {"loose"}
    assert set(summary(client, customerAliases="acme")) == {"Acme"}  # an alias with no events
    assert set(summary(client, excludeZeroQuantity="true")) == {"Acme"}


def test_customer_ids_on_seat_events_name_every_alias_and_the_id(client: FlaskClient) -> None:
    acme = create(client, customerAliases=["acme", "acme-eu"])
    globex = create(client, legalName="Globex", customerAliases=["globex"])
    for n, alias in enumerate(["acme", "acme-eu", acme["id"], "globex", "loose"]):
        post_event(client, alias, n)
    loose = implicit_customer_id(derived_account_id("key"), "loose")

    assert event_aliases(client, customerIds=acme["id"]) == sorted(["acme", "acme-eu", acme["id"]])
    assert event_aliases(client, customerIds=f"{globex['id']},{loose}") == ["globex", "loose"]
    assert (
        event_aliases(client, customerIds=implicit_customer_id(derived_account_id("key"), "acme"))
        == []
    )


def test_customers_of_one_account_never_group_another_accounts_events(client: FlaskClient) -> None:
    acme = create(client, legalName="Acme", customerAliases=["acme"])
    post_event(client, "acme", 5, client_id="other")
    post_event(client, acme["id"], 1, client_id="other")
    other = derived_account_id("other")

    assert summary(client, "other") == {
        "acme": (implicit_customer_id(other, "acme"), ["acme"], {"admin": 5}),
        acme["id"]: (implicit_customer_id(other, acme["id"]), [acme["id"]], {"admin": 1}),
    }
    assert balances(client) == []
    assert event_aliases(client, customerIds=acme["id"]) == []
