"""The customer operations through HTTP, on both stores, every response checked against the
document (BEHAVIOUR.md §11)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import basic, frozen_clock
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from emulator.domain.accounts import derived_account_id
from emulator.domain.clock import Clock

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)
ADDRESS = {"line1": "1 Road", "town": "London", "postcode": "N1 1AA", "country": "GB"}
ANN = {"name": "Ann", "email": "ann@acme.test", "billingPreference": "PRIMARY"}
BOB = {"name": "Bob", "email": "bob@acme.test", "billingPreference": "STANDARD"}


@pytest.fixture(autouse=True)
def clock(app: Flask) -> Clock:
    return frozen_clock(app, NOW)


def customer_body(**fields: Any) -> dict[str, Any]:
    body = {"legalName": "Acme Ltd", "address": ADDRESS, "contacts": [ANN], "taxStatus": "TAXED"}
    return body | fields


def create(client: FlaskClient, client_id: str = "key", **fields: Any) -> dict[str, Any]:
    response = client.post("/customers", json=customer_body(**fields), headers=basic(client_id))
    assert response.status_code == 201, response.get_json()
    created: dict[str, Any] = response.get_json()
    return created


def get(client: FlaskClient, path: str, client_id: str = "key", **query: Any) -> TestResponse:
    return client.get(path, query_string=query, headers=basic(client_id))


def problems(response: TestResponse) -> dict[str, str]:
    assert response.status_code == 400, response.get_json()
    return {p["key"]: p["message"] for p in response.get_json()["error"]["errors"]}


def test_a_created_customer_has_every_field_sequence_requires(client: FlaskClient) -> None:
    sent = customer_body(
        contacts=[ANN, BOB],
        url="https://www.acme.test/",
        label="gold",
        integrationIds=[{"service": "Stripe", "id": "cus_1"}],
        customProperties={"tier": "gold"},
        pushToIntegrations=["Xero"],
        customerAliases=["acme"],
    )
    response = client.post("/customers", json=sent, headers=basic())

    assert response.status_code == 201
    acme = response.get_json()
    contact_ids = [c["id"] for c in acme["contacts"]]
    assert acme == {
        "id": acme["id"],
        "createdAt": "2024-05-01T00:00:00Z",
        "organizations": [],
        "legalName": "Acme Ltd",
        "address": ADDRESS,
        "url": "https://www.acme.test/",
        "domain": "acme.test",
        "label": "gold",
        "integrationIds": [{"service": "Stripe", "id": "cus_1", "isPending": False}],
        "taxStatus": "TAXED",
        "customProperties": {"tier": "gold"},
        "contacts": [
            ANN
            | {
                "id": contact_ids[0],
                "createdAt": "2024-05-01T00:00:00Z",
                "updatedAt": "2024-05-01T00:00:00Z",
            },
            BOB
            | {
                "id": contact_ids[1],
                "createdAt": "2024-05-01T00:00:00Z",
                "updatedAt": "2024-05-01T00:00:00Z",
            },
        ],
        "status": "ACTIVE",
    }
    assert get(client, f"/customers/{acme['id']}").get_json() == acme
    assert get(client, f"/api/customers/{acme['id']}").get_json() == acme


def test_the_smallest_customer_gets_defaults_and_empty_lists(client: FlaskClient) -> None:
    acme = create(client, contacts=[], status="DRAFT", taxStatus="TAX_EXEMPT")
    assert (acme["contacts"], acme["integrationIds"], acme["customProperties"]) == ([], [], {})
    assert (acme["status"], acme["taxStatus"]) == ("DRAFT", "TAX_EXEMPT")
    assert "archivedAt" not in acme and "url" not in acme and "domain" not in acme


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"legalName": None, "address": None, "contacts": None, "taxStatus": None},
            ["address", "contacts", "legalName", "taxStatus"],
        ),
        ({"address": ADDRESS | {"country": "XX"}}, ["address.country"]),
        (
            {"address": {"line1": "1 Road"}},
            ["address.postcode", "address.town", "address.country"],
        ),
        ({"address": ADDRESS | {"country": "US"}}, ["address.state"]),
        ({"address": ADDRESS | {"country": "CA", "state": "XX"}}, ["address.state"]),
        (
            {"contacts": [ANN | {"billingPreference": "SOMETIMES"}]},
            ["contacts.0.billingPreference"],
        ),
        (
            {"contacts": [{"name": "Ann"}]},
            ["contacts.0.email", "contacts.0.billingPreference"],
        ),
        ({"contacts": [BOB]}, ["contacts"]),
        ({"taxStatus": "FREE"}, ["taxStatus"]),
        ({"status": "ARCHIVED"}, ["status"]),
        ({"customerAliases": ["a", "a"]}, ["customerAliases"]),
        ({"customerAliases": ["VOID"]}, ["customerAliases"]),
        ({"customerAliases": [""]}, ["customerAliases.0"]),
        ({"integrationIds": [{"service": "Fax", "id": "1"}]}, ["integrationIds.0.service"]),
        ({"customProperties": {"tier": 1}}, ["customProperties.tier"]),
        ({"legalName": ""}, ["legalName"]),
    ],
)
def test_a_wrong_customer_is_a_400_naming_every_field(
    client: FlaskClient, fields: dict[str, Any], expected: list[str]
) -> None:
    sent = {k: v for k, v in customer_body(**fields).items() if v is not None}
    response = client.post("/customers", json=sent, headers=basic())
    assert sorted(problems(response)) == sorted(expected)
    assert get(client, "/customers").get_json()["pagination"]["totalResultSize"] == 0


def test_a_state_is_enough_for_an_american_address(client: FlaskClient) -> None:
    us = ADDRESS | {"country": "US", "state": "NY"}
    assert create(client, address=us)["address"] == us


def test_an_alias_in_use_or_an_unknown_parent_is_refused(client: FlaskClient) -> None:
    create(client, customerAliases=["acme"])
    assert problems(
        client.post("/customers", json=customer_body(customerAliases=["acme"]), headers=basic())
    ) == {"customerAliases": "Alias 'acme' is already in use in this account"}
    assert list(
        problems(client.post("/customers", json=customer_body(parentId="nobody"), headers=basic()))
    ) == ["parentId"]
    create(client, client_id="other", customerAliases=["acme"])  # another account: free


def test_unknown_ids_are_404_in_the_envelope(client: FlaskClient) -> None:
    acme = create(client)
    for response in (
        get(client, "/customers/nobody"),
        get(client, f"/customers/{acme['id']}", client_id="other"),
        client.put("/customers/nobody", json=customer_body(), headers=basic()),
        client.post("/customers/nobody/archive", headers=basic()),
        get(client, "/customers/nobody/aliases"),
        get(client, "/customers/by-alias/nobody"),
    ):
        assert response.status_code == 404
        assert response.get_json()["error"]["type"] == "NotFound"


def test_put_replaces_details_keeps_what_it_leaves_out_and_adds_aliases(
    client: FlaskClient, clock: Clock
) -> None:
    acme = create(client, contacts=[ANN, BOB], url="https://acme.test", customerAliases=["acme"])
    clock.freeze(datetime(2024, 5, 2, tzinfo=timezone.utc))
    sent = customer_body(
        legalName="Acme Group", contacts=[ANN | {"name": "Anne"}], customerAliases=["acme-2"]
    )

    response = client.put(f"/customers/{acme['id']}", json=sent, headers=basic())

    assert response.status_code == 200
    updated = response.get_json()
    assert (updated["legalName"], updated["url"], updated["createdAt"]) == (
        "Acme Group",
        "https://acme.test",
        acme["createdAt"],
    )
    (anne,) = updated["contacts"]
    assert (anne["id"], anne["name"], anne["updatedAt"]) == (
        acme["contacts"][0]["id"],
        "Anne",
        "2024-05-02T00:00:00Z",
    )
    aliases = get(client, f"/customers/{acme['id']}/aliases").get_json()["items"]
    assert [a["value"] for a in aliases] == ["acme", "acme-2"]
    assert list(
        problems(client.put(f"/customers/{acme['id']}", json={"legalName": "x"}, headers=basic()))
    ) == [
        "address",
        "contacts",
        "taxStatus",
    ]


def test_parent_and_children_share_an_organization(client: FlaskClient) -> None:
    parent = create(client, legalName="Parent")
    child = create(client, legalName="Child", parentId=parent["id"])

    organization = {
        "id": child["organizations"][0]["id"],
        "owner": {"id": parent["id"], "name": "Parent"},
        "members": [{"id": child["id"], "name": "Child"}],
    }
    assert child["organizations"] == [organization]
    assert get(client, f"/customers/{parent['id']}").get_json()["organizations"] == [organization]
    cycle = client.put(
        f"/customers/{parent['id']}", json=customer_body(parentId=child["id"]), headers=basic()
    )
    assert list(problems(cycle)) == ["parentId"]


def test_archiving_sets_archived_at_once_and_hides_the_customer(
    client: FlaskClient, clock: Clock
) -> None:
    acme = create(client, customerAliases=["acme"])
    response = client.post(f"/customers/{acme['id']}/archive", headers=basic())
    assert response.status_code == 200
    archived = response.get_json()
    assert archived == acme | {"archivedAt": "2024-05-01T00:00:00Z"}

    clock.freeze(datetime(2024, 6, 1, tzinfo=timezone.utc))
    assert client.post(f"/customers/{acme['id']}/archive", headers=basic()).get_json() == archived
    assert get(client, "/customers").get_json()["items"] == []
    assert [
        c["id"] for c in get(client, "/customers", includeArchived="true").get_json()["items"]
    ] == [acme["id"]]
    assert get(client, f"/customers/{acme['id']}").get_json() == archived
    assert get(client, "/customers/by-alias/acme").status_code == 404
    assert get(client, f"/customers/{acme['id']}/aliases").get_json() == {"items": []}


def test_the_list_filters_sorts_and_pages(client: FlaskClient) -> None:
    acme = create(client, legalName="Acme", contacts=[ANN], label="gold", customerAliases=["acme"])
    zeta = create(client, legalName="Zeta", contacts=[], label="gold")
    beta = create(client, legalName="Beta", contacts=[])
    create(client, client_id="other", legalName="Acme elsewhere")

    def ids(**query: Any) -> list[str]:
        response = get(client, "/customers", **query)
        assert response.status_code == 200, response.get_json()
        return [c["id"] for c in response.get_json()["items"]]

    assert ids() == [beta["id"], zeta["id"], acme["id"]]
    assert ids(sortBy="legalName", sortOrder="ASC") == [acme["id"], beta["id"], zeta["id"]]
    assert ids(legalName="cm") == [acme["id"]]
    assert ids(email="ANN@acme.test") == [acme["id"]]
    assert ids(label="gold", sortOrder="ASC") == [acme["id"], zeta["id"]]
    assert ids(alias="acme") == ids(alias=acme["id"]) == [acme["id"]]
    assert ids(billingStatus="ACTIVE") == ids()  # accepted, ignored: no billing schedules here

    first = get(client, "/customers", limit=2, sortBy="legalName").get_json()
    assert [c["legalName"] for c in first["items"]] == ["Zeta", "Beta"]
    assert first["pagination"] == {"after": first["pagination"]["after"], "totalResultSize": 3}
    second = get(
        client, "/customers", limit=2, sortBy="legalName", after=first["pagination"]["after"]
    ).get_json()
    assert [c["legalName"] for c in second["items"]] == ["Acme"]
    assert set(second["pagination"]) == {"before", "totalResultSize"}
    assert "contacts" not in second["items"][0] and "status" not in second["items"][0]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"sortBy": "label"}, "sortBy"),
        ({"sortOrder": "UP"}, "sortOrder"),
        ({"limit": 0}, "limit"),
        ({"includeArchived": "maybe"}, "includeArchived"),
        ({"billingStatus": "SOMETIMES"}, "billingStatus"),
        ({"after": "not-a-cursor"}, "after"),
    ],
)
def test_a_wrong_list_query_is_a_400(
    client: FlaskClient, query: dict[str, Any], field: str
) -> None:
    assert field in problems(get(client, "/customers", **query))


def test_a_cursor_of_the_other_sort_is_refused(client: FlaskClient) -> None:
    for name in ("a", "b"):
        create(client, legalName=name)
    cursor = get(client, "/customers", limit=1).get_json()["pagination"]["after"]
    assert "after" in problems(get(client, "/customers", sortBy="legalName", after=cursor))


def test_a_customer_is_found_by_any_live_alias_or_its_id(client: FlaskClient) -> None:
    acme = create(
        client,
        contacts=[BOB | {"billingPreference": "NONE"}, ANN],
        customerAliases=["acme", "acme-eu"],
    )
    expected = {
        "id": acme["id"],
        "createdAt": "2024-05-01T00:00:00Z",
        "legalName": "Acme Ltd",
        "contactName": "Ann",
        "address": ADDRESS,
        "email": "ann@acme.test",
        "integrationIds": [],
        "billingEmails": ["ann@acme.test"],
        "taxStatus": "TAXED",
    }
    for alias in ("acme", "acme-eu", acme["id"]):
        response = get(client, f"/customers/by-alias/{alias}")
        assert response.status_code == 200
        assert response.get_json() == expected
    assert get(client, "/customers/by-alias/acme", client_id="other").status_code == 404


def test_a_customers_aliases_are_listed_oldest_first(client: FlaskClient) -> None:
    acme = create(client, customerAliases=["b", "a"])
    account = derived_account_id("key")
    items = get(client, f"/customers/{acme['id']}/aliases").get_json()["items"]
    assert [(a["value"], a["customerId"], a["sequenceAccountId"]) for a in items] == [
        ("b", acme["id"], account),
        ("a", acme["id"], account),
    ]
    assert set(items[0]) == {"id", "sequenceAccountId", "customerId", "value", "createdAt"}
