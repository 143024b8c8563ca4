"""The customer-alias operations through HTTP, on both stores: create (idempotently), list,
relabel, delete, and their errors (BEHAVIOUR.md §11)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import basic, frozen_clock
from flask import Flask
from flask.testing import FlaskClient
from test_api_customers import create, get, problems

from emulator.domain.accounts import derived_account_id
from emulator.domain.clock import Clock

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)
ACME = object()  # stands for the id of the customer a test creates


@pytest.fixture(autouse=True)
def clock(app: Flask) -> Clock:
    return frozen_clock(app, NOW)


def post_alias(
    client: FlaskClient, client_id: str = "key", key: str | None = None, **body: Any
) -> Any:
    headers = basic(client_id) | ({"Idempotency-Key": key} if key is not None else {})
    return client.post("/customer-aliases", json=body, headers=headers)


def test_an_alias_is_created_for_a_customer(client: FlaskClient) -> None:
    acme = create(client)

    response = post_alias(client, customerId=acme["id"], value="acme", label="CRM ID")

    assert response.status_code == 201
    alias = response.get_json()
    assert alias == {
        "id": alias["id"],
        "sequenceAccountId": derived_account_id("key"),
        "customerId": acme["id"],
        "value": "acme",
        "createdAt": "2024-05-01T00:00:00Z",
        "label": "CRM ID",
    }
    assert get(client, "/customers/by-alias/acme").get_json()["id"] == acme["id"]
    assert (
        client.post(
            "/api/customer-aliases", json={"customerId": acme["id"], "value": "x"}, headers=basic()
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": "new"}, "customerId"),
        ({"customerId": "nobody", "value": "new"}, "customerId"),
        ({"customerId": ACME, "value": "taken"}, "value"),
        ({"customerId": ACME, "value": "VOID"}, "value"),
        ({"customerId": ACME, "value": ""}, "value"),
        ({"customerId": ACME, "value": "x" * 256}, "value"),
        ({"customerId": ACME, "value": 7}, "value"),
        ({"customerId": ACME}, "value"),
    ],
)
def test_a_wrong_alias_is_a_400(client: FlaskClient, body: dict[str, Any], field: str) -> None:
    acme = create(client, customerAliases=["taken"])
    sent = {name: acme["id"] if value is ACME else value for name, value in body.items()}
    assert field in problems(post_alias(client, **sent))
    assert get(client, "/customer-aliases").get_json()["pagination"]["totalResultSize"] == 1


def test_an_archived_customer_takes_no_new_alias(client: FlaskClient) -> None:
    acme = create(client)
    client.post(f"/customers/{acme['id']}/archive", headers=basic())
    assert list(problems(post_alias(client, customerId=acme["id"], value="acme"))) == ["customerId"]


def test_a_customer_of_another_account_is_unknown(client: FlaskClient) -> None:
    theirs = create(client, client_id="other")
    assert list(problems(post_alias(client, customerId=theirs["id"], value="acme"))) == [
        "customerId"
    ]


def test_a_repeated_idempotency_key_answers_the_original_response_once(
    client: FlaskClient, clock: Clock
) -> None:
    acme = create(client)
    first = post_alias(client, key="sync-42", customerId=acme["id"], value="acme")
    client.put(
        f"/customer-aliases/{first.get_json()['id']}", json={"label": "since"}, headers=basic()
    )
    clock.advance(timedelta(hours=23, minutes=59))

    retry = post_alias(client, key="sync-42", customerId=acme["id"], value="acme")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.get_json() == first.get_json()
    assert len(get(client, f"/customers/{acme['id']}/aliases").get_json()["items"]) == 1
    assert "value" in problems(
        post_alias(client, key="sync-43", customerId=acme["id"], value="acme")
    )


def test_a_key_is_new_again_after_24_hours(client: FlaskClient, clock: Clock) -> None:
    acme = create(client)
    first = post_alias(client, key="k", customerId=acme["id"], value="acme").get_json()
    clock.advance(timedelta(hours=24))

    assert "value" in problems(post_alias(client, key="k", customerId=acme["id"], value="acme"))
    again = post_alias(client, key="k", customerId=acme["id"], value="acme-2")
    assert again.status_code == 201 and again.get_json()["id"] != first["id"]


def test_a_refused_request_leaves_its_key_unused(client: FlaskClient) -> None:
    acme = create(client)
    assert "value" in problems(post_alias(client, key="k", customerId=acme["id"], value="VOID"))
    assert post_alias(client, key="k", customerId=acme["id"], value="acme").status_code == 201


def test_keys_belong_to_one_account(client: FlaskClient) -> None:
    mine, theirs = create(client), create(client, client_id="other")
    post_alias(client, key="k", customerId=mine["id"], value="acme")
    response = post_alias(client, "other", key="k", customerId=theirs["id"], value="acme")
    assert response.status_code == 201 and response.get_json()["customerId"] == theirs["id"]


def test_a_key_longer_than_255_characters_is_refused(client: FlaskClient) -> None:
    acme = create(client)
    response = post_alias(client, key="k" * 256, customerId=acme["id"], value="acme")
    assert "Idempotency-Key" in problems(response)


def test_the_list_is_live_aliases_newest_first_by_value_and_in_pages(client: FlaskClient) -> None:
    acme = create(client, customerAliases=["a", "b", "c"])
    create(client, client_id="other", customerAliases=["d"])
    b = get(client, "/customer-aliases", value="b").get_json()
    assert [a["value"] for a in b["items"]] == ["b"] and b["pagination"] == {"totalResultSize": 1}
    client.delete(f"/customer-aliases/{b['items'][0]['id']}", headers=basic())

    first = get(client, "/customer-aliases", limit=1).get_json()
    assert [a["value"] for a in first["items"]] == ["c"]
    assert set(first["pagination"]) == {"after", "totalResultSize"}
    second = get(
        client, "/customer-aliases", limit=1, after=first["pagination"]["after"]
    ).get_json()
    assert [(a["value"], a["customerId"]) for a in second["items"]] == [("a", acme["id"])]
    assert second["pagination"]["totalResultSize"] == 2 and "after" not in second["pagination"]
    assert get(client, "/customer-aliases", value="b").get_json()["items"] == []
    assert "after" in problems(get(client, "/customer-aliases", after="nope"))


def test_put_relabels_a_live_alias(client: FlaskClient) -> None:
    acme = create(client)
    alias = post_alias(client, customerId=acme["id"], value="acme", label="old").get_json()

    response = client.put(
        f"/customer-aliases/{alias['id']}", json={"label": "new"}, headers=basic()
    )

    assert response.status_code == 200 and response.get_json() == alias | {"label": "new"}
    unchanged = client.put(f"/customer-aliases/{alias['id']}", json={}, headers=basic())
    assert unchanged.get_json()["label"] == "new"
    assert client.put("/customer-aliases/nobody", json={}, headers=basic()).status_code == 404
    other = client.put(f"/customer-aliases/{alias['id']}", json={}, headers=basic("other"))
    assert other.status_code == 404


def test_delete_answers_the_deleted_alias_and_frees_its_value(
    client: FlaskClient, clock: Clock
) -> None:
    acme = create(client)
    alias = post_alias(client, customerId=acme["id"], value="acme").get_json()
    clock.freeze(NOW + timedelta(days=1))

    response = client.delete(f"/customer-aliases/{alias['id']}", headers=basic())

    assert response.status_code == 200
    assert response.get_json() == alias | {"deletedAt": "2024-05-02T00:00:00Z"}
    for again in (
        client.delete(f"/customer-aliases/{alias['id']}", headers=basic()),
        client.put(f"/customer-aliases/{alias['id']}", json={"label": "x"}, headers=basic()),
    ):
        assert again.status_code == 404 and again.get_json()["error"]["type"] == "NotFound"
    assert get(client, "/customers/by-alias/acme").status_code == 404
    assert post_alias(client, customerId=acme["id"], value="acme").status_code == 201
