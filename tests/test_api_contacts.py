"""A customer's contacts through HTTP, on every store, every response checked against the
document (BEHAVIOUR.md §11, §13)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from conftest import basic, frozen_clock
from flask import Flask
from flask.testing import FlaskClient
from test_api_customers import ANN, BOB, NOW, create, customer_body, get, problems
from werkzeug.test import TestResponse

from emulator.domain.clock import Clock

CAT = {"name": "Cat", "email": "cat@acme.test", "billingPreference": "NONE"}
LATER = NOW + timedelta(hours=1)
STAMPED = {"createdAt": "2024-05-01T00:00:00Z", "updatedAt": "2024-05-01T00:00:00Z"}


@pytest.fixture(autouse=True)
def clock(app: Flask) -> Clock:
    return frozen_clock(app, NOW)


def contacts_of(client: FlaskClient, customer_id: str, **query: Any) -> list[dict[str, Any]]:
    response = get(client, f"/customers/{customer_id}/contacts", **query)
    assert response.status_code == 200, response.get_json()
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


def post_contact(
    client: FlaskClient, customer_id: str, body: dict[str, Any], client_id: str = "key"
) -> TestResponse:
    path = f"/customers/{customer_id}/contacts"
    return client.post(path, json=body, headers=basic(client_id))


def put_contact(
    client: FlaskClient, customer_id: str, contact_id: str, body: dict[str, Any]
) -> TestResponse:
    path = f"/customers/{customer_id}/contacts/{contact_id}"
    return client.put(path, json=body, headers=basic())


def archive(
    client: FlaskClient, customer_id: str, contact_id: str, client_id: str = "key"
) -> TestResponse:
    path = f"/customers/{customer_id}/contacts/{contact_id}/archive"
    return client.post(path, headers=basic(client_id))


def shown(client: FlaskClient, customer_id: str) -> list[dict[str, Any]]:
    """The contacts as Customer.contacts shows them."""
    contacts: list[dict[str, Any]] = get(client, f"/customers/{customer_id}").get_json()["contacts"]
    return contacts


def test_a_created_contact_joins_the_customers_contacts(client: FlaskClient) -> None:
    acme = create(client)

    response = post_contact(client, acme["id"], BOB)

    assert response.status_code == 201
    bob = response.get_json()
    assert bob == BOB | STAMPED | {"id": bob["id"]}
    ann = acme["contacts"][0]
    assert contacts_of(client, acme["id"]) == [ann, bob]
    assert shown(client, acme["id"]) == [ann, bob]
    assert get(client, f"/api/customers/{acme['id']}/contacts").get_json() == {"items": [ann, bob]}
    assert get(client, "/customers/by-alias/" + acme["id"]).get_json()["billingEmails"] == [
        "ann@acme.test",
        "bob@acme.test",
    ]


def test_a_customer_without_contacts_lists_none(client: FlaskClient) -> None:
    acme = create(client, contacts=[])
    assert get(client, f"/customers/{acme['id']}/contacts").get_json() == {"items": []}


def test_an_update_replaces_the_fields_and_moves_updated_at_only_on_change(
    client: FlaskClient, clock: Clock
) -> None:
    acme = create(client, contacts=[ANN, BOB])
    bob = acme["contacts"][1]
    clock.freeze(LATER)

    same = put_contact(client, acme["id"], bob["id"], BOB)
    assert same.status_code == 200 and same.get_json() == bob

    changed = {"name": "Robert", "email": "rob@acme.test", "billingPreference": "PRIMARY"}
    response = put_contact(client, acme["id"], bob["id"], changed)

    assert response.status_code == 200
    robert = response.get_json()
    assert robert == bob | changed | {"updatedAt": "2024-05-01T01:00:00Z"}
    assert shown(client, acme["id"]) == [acme["contacts"][0], robert]
    found = get(client, "/customers", email="ROB@acme.test").get_json()["items"]
    assert [c["id"] for c in found] == [acme["id"]]


def test_archiving_hides_a_contact_unless_archived_ones_are_asked_for(
    client: FlaskClient, clock: Clock
) -> None:
    acme = create(client, contacts=[ANN, CAT])
    ann, cat = acme["contacts"]
    clock.freeze(LATER)

    response = archive(client, acme["id"], cat["id"])

    assert response.status_code == 200
    archived = response.get_json()
    assert archived == cat | {"archivedAt": "2024-05-01T01:00:00Z"}  # updatedAt stays
    assert contacts_of(client, acme["id"]) == [ann]
    assert contacts_of(client, acme["id"], includeArchived="false") == [ann]
    assert contacts_of(client, acme["id"], includeArchived="true") == [ann, archived]
    assert shown(client, acme["id"]) == [ann]
    assert get(client, "/customers", email="cat@acme.test").get_json()["items"] == []

    clock.freeze(LATER + timedelta(hours=1))
    assert archive(client, acme["id"], cat["id"]).get_json() == archived  # the first time stays


def test_put_customer_keeps_archived_contacts_and_replaces_the_live_ones(
    client: FlaskClient,
) -> None:
    acme = create(client, contacts=[ANN, CAT])
    ann, cat = acme["contacts"]
    archived = archive(client, acme["id"], cat["id"]).get_json()

    sent = customer_body(contacts=[ANN, CAT])
    updated = client.put(f"/customers/{acme['id']}", json=sent, headers=basic()).get_json()

    new_cat = updated["contacts"][1]
    assert updated["contacts"] == [ann, new_cat] and new_cat["id"] != cat["id"]
    assert contacts_of(client, acme["id"], includeArchived="true") == [archived, ann, new_cat]


def test_a_billing_contact_without_a_primary_is_a_400_and_nothing_is_stored(
    client: FlaskClient,
) -> None:
    acme = create(client, contacts=[CAT])

    response = post_contact(client, acme["id"], BOB)

    assert list(problems(response)) == ["billingPreference"]
    assert problems(response)["billingPreference"] == (
        "A contact receives billing communications, so one must be PRIMARY"
    )
    assert contacts_of(client, acme["id"], includeArchived="true") == acme["contacts"]


def test_a_change_that_would_leave_billing_contacts_without_a_primary_is_a_400(
    client: FlaskClient,
) -> None:
    acme = create(client, contacts=[ANN, BOB])
    ann, _ = acme["contacts"]

    demoted = put_contact(client, acme["id"], ann["id"], ANN | {"billingPreference": "NONE"})
    archived = archive(client, acme["id"], ann["id"])

    assert list(problems(demoted)) == ["billingPreference"]
    assert list(problems(archived)) == ["id"]
    assert contacts_of(client, acme["id"], includeArchived="true") == acme["contacts"]
    # Once no one else is billed, the PRIMARY contact may go.
    bob = acme["contacts"][1]
    none = BOB | {"billingPreference": "NONE"}
    assert put_contact(client, acme["id"], bob["id"], none).status_code == 200
    assert archive(client, acme["id"], ann["id"]).status_code == 200


@pytest.mark.parametrize(
    ("body", "keys"),
    [
        ({}, ["billingPreference", "email", "name"]),
        (ANN | {"billingPreference": "SOMETIMES"}, ["billingPreference"]),
        (ANN | {"name": 7}, ["name"]),
    ],
    ids=["empty", "unknown preference", "name not a string"],
)
def test_a_wrong_contact_is_a_400_naming_every_field(
    client: FlaskClient, body: dict[str, Any], keys: list[str]
) -> None:
    acme = create(client)
    contact_id = acme["contacts"][0]["id"]
    for response in (
        post_contact(client, acme["id"], body),
        put_contact(client, acme["id"], contact_id, body),
    ):
        assert sorted(problems(response)) == keys
    assert contacts_of(client, acme["id"]) == acme["contacts"]


def assert_not_found(*responses: TestResponse) -> None:
    for response in responses:
        assert response.status_code == 404, response.request.path
        assert response.get_json()["error"]["type"] == "NotFound"


def test_unknown_or_another_accounts_customers_are_404(client: FlaskClient) -> None:
    acme = create(client)
    ann = acme["contacts"][0]
    for customer_id, client_id in (("nobody", "key"), (acme["id"], "other")):
        path = f"/customers/{customer_id}/contacts"
        assert_not_found(
            get(client, path, client_id=client_id),
            post_contact(client, customer_id, ANN, client_id=client_id),
            client.put(f"{path}/{ann['id']}", json=ANN, headers=basic(client_id)),
            archive(client, customer_id, ann["id"], client_id=client_id),
        )
    assert contacts_of(client, acme["id"], includeArchived="true") == [ann]


def test_a_contact_is_found_only_under_its_own_customer(client: FlaskClient) -> None:
    acme = create(client)
    ann = acme["contacts"][0]
    other = create(client, legalName="Other")
    for contact_id in ("nobody", other["contacts"][0]["id"]):
        assert_not_found(
            put_contact(client, acme["id"], contact_id, ANN),
            archive(client, acme["id"], contact_id),
        )
    assert shown(client, acme["id"]) == [ann]
    assert shown(client, other["id"]) == other["contacts"]


def test_contacts_and_archived_ones_travel_in_the_state_document(client: FlaskClient) -> None:
    acme = create(client, contacts=[ANN, CAT])
    post_contact(client, acme["id"], BOB)
    archive(client, acme["id"], acme["contacts"][1]["id"])
    every = contacts_of(client, acme["id"], includeArchived="true")
    exported = client.get("/_emulator/state").get_json()

    assert client.post("/_emulator/reset").status_code == 200
    assert_not_found(get(client, f"/customers/{acme['id']}/contacts"))
    assert client.put("/_emulator/state", json=exported).status_code == 200

    assert contacts_of(client, acme["id"], includeArchived="true") == every
    assert shown(client, acme["id"]) == [every[0], every[2]]
    assert client.get("/_emulator/state").get_json() == exported
