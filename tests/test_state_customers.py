"""Customers and aliases in the state document: export, import, and a seed written by hand
(BEHAVIOUR.md §9, §11)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import basic
from flask import Flask
from flask.testing import FlaskClient
from test_api_customers import ANN, create, get

from emulator.app import create_app
from emulator.config import Settings
from emulator.domain.accounts import derived_account_id

ACCOUNT = derived_account_id("key")


def populate(client: FlaskClient) -> dict[str, Any]:
    acme = create(
        client, contacts=[ANN], customerAliases=["acme", "old"], customProperties={"a": "b"}
    )
    create(client, legalName="Child", parentId=acme["id"])
    old = get(client, "/customer-aliases", value="old").get_json()["items"][0]
    client.delete(f"/customer-aliases/{old['id']}", headers=basic())
    gone = create(client, legalName="Gone", customerAliases=["gone"])
    client.post(f"/customers/{gone['id']}/archive", headers=basic())
    event = {
        "customerAlias": "acme",
        "seatType": "admin",
        "eventTimestamp": "2024-04-01",
        "total": 3,
    }
    client.post("/seat-events", json=event, headers=basic())
    return acme


def test_export_carries_customers_and_every_alias_and_imports_unchanged(
    client: FlaskClient, settings: Settings
) -> None:
    acme = populate(client)
    exported = client.get("/_emulator/state").get_json()
    (account,) = exported["accounts"]
    assert [c["legalName"] for c in account["customers"]] == ["Acme Ltd", "Child", "Gone"]
    assert [
        (a["value"], "deletedAt" in a, "archivedAt" in a) for a in account["customerAliases"]
    ] == [
        ("acme", False, False),
        ("old", True, False),
        ("gone", False, True),
    ]
    assert account["customers"][1]["parentId"] == acme["id"]

    fresh: Flask = create_app(Settings(validate_responses=True))
    try:
        other = fresh.test_client()
        response = other.put("/_emulator/state", json=exported)
        assert response.status_code == 200, response.get_json()
        assert other.get("/_emulator/state").get_json() == exported
        assert get(other, "/customers/by-alias/acme").get_json()["id"] == acme["id"]
        assert get(other, "/customers/by-alias/gone").status_code == 404
        (item,) = get(other, "/seat-balances").get_json()["items"]
        assert (item["id"], item["customerAliases"]) == (acme["id"], ["acme"])
    finally:
        fresh.extensions["sequence_emulator"].close()


def account_document(**fields: Any) -> dict[str, Any]:
    account = {"id": ACCOUNT, "seatEvents": [], "seatMetrics": []} | fields
    return {"format": "sequence-emulator-state", "version": 1, "accounts": [account]}


def test_a_document_without_customers_still_imports(client: FlaskClient) -> None:
    metric = {"seatType": "admin", "label": "Admins"}
    response = client.put("/_emulator/state", json=account_document(seatMetrics=[metric]))
    assert response.status_code == 200
    (account,) = client.get("/_emulator/state").get_json()["accounts"]
    assert (account["customers"], account["customerAliases"]) == ([], [])


ADDRESS = {"line1": "1 Road", "town": "London", "postcode": "N1", "country": "GB"}
CUSTOMER_ID = "0190a000-0000-7000-8000-000000000001"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"customerAliases": [{"customerId": "nobody", "value": "a"}]}, "names no customer"),
        (
            {"customers": [{"legalName": "A", "address": ADDRESS, "customerAliases": ["a", "a"]}]},
            "appears twice",
        ),
        (
            {
                "customers": [
                    {
                        "id": CUSTOMER_ID,
                        "legalName": "A",
                        "address": ADDRESS,
                        "customerAliases": ["a"],
                    }
                ],
                "customerAliases": [{"customerId": CUSTOMER_ID, "value": "a"}],
            },
            "appears twice",
        ),
        (
            {"customers": [{"legalName": "A", "address": ADDRESS, "parentId": "nobody"}]},
            "names no customer",
        ),
        (
            {"customers": [{"legalName": "A", "address": ADDRESS | {"country": "US"}}]},
            "state is required",
        ),
        ({"customers": [{"legalName": "A"}]}, "required"),
        ({"customers": [{"legalName": "A", "address": ADDRESS, "url": "http://["}]}, "URL"),
    ],
)
def test_a_state_with_broken_customers_is_refused(
    client: FlaskClient, fields: dict[str, Any], message: str
) -> None:
    response = client.put("/_emulator/state", json=account_document(**fields))
    assert response.status_code == 400
    assert message in str(response.get_json()["error"]["errors"])


SEED = f"""
format: sequence-emulator-state
version: 1
accounts:
  - id: {ACCOUNT}
    seatMetrics: []
    customers:
      - legalName: Acme Ltd
        address: {{line1: 1 Road, town: London, postcode: N1, country: GB}}
        contacts:
          - {{name: Ann, email: ann@acme.test, billingPreference: PRIMARY}}
        customerAliases: [acme, acme-eu]
      - legalName: Globex
        address: {{line1: 2 Road, town: Springfield, postcode: '12345', country: US, state: NY}}
        customerAliases: [globex]
    seatEvents:
      - {{customerAlias: acme, seatType: admin, eventTimestamp: '2024-04-01', total: 12}}
      - {{customerAlias: acme-eu, seatType: viewer, eventTimestamp: '2024-04-02', total: 3}}
      - {{customerAlias: globex, seatType: admin, eventTimestamp: '2024-04-01', total: 1}}
"""


def test_a_hand_written_seed_starts_a_sandbox_with_customers(
    tmp_path: Path, store_spec: str
) -> None:
    seed = tmp_path / "sandbox.yaml"
    seed.write_text(SEED)
    app = create_app(Settings(validate_responses=True, store=store_spec, seed=seed))
    try:
        client = app.test_client()
        acme = get(client, "/customers/by-alias/acme-eu").get_json()
        assert (acme["legalName"], acme["email"]) == ("Acme Ltd", "ann@acme.test")
        items = get(client, "/seat-balances").get_json()["items"]
        assert [(i["legalName"], i["customerAliases"], i["total"]) for i in items] == [
            ("Acme Ltd", ["acme", "acme-eu"], 15),
            ("Globex", ["globex"], 1),
        ]
        whole = get(client, f"/customers/{acme['id']}").get_json()
        assert (whole["status"], whole["taxStatus"], len(whole["contacts"])) == (
            "ACTIVE",
            "TAXED",
            1,
        )
        exported = client.get("/_emulator/state").get_json()["accounts"][0]
        assert "customerAliases" not in exported["customers"][0]  # exported beside, with ids
        assert [a["value"] for a in exported["customerAliases"]] == ["acme", "acme-eu", "globex"]
    finally:
        app.extensions["sequence_emulator"].close()
