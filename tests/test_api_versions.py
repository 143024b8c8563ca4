"""Sequence's earlier API versions through HTTP (BEHAVIOUR.md section 2): an operation the
version serves behaves as under 2024-07-30 and names that version; any other is a 404."""

from __future__ import annotations

import pytest
from conftest import SEQUENCE_EXAMPLE, basic
from flask import Flask
from flask.testing import FlaskClient

from emulator.http.context import EXTENSION
from emulator.http.version import EARLIER_VERSIONS
from emulator.spec import VERSIONS_TABLE, load_document

SERVED = load_document(VERSIONS_TABLE)
ACME = {
    "legalName": "Acme Ltd",
    "address": {"line1": "1 Road", "town": "London", "postcode": "N1 1AA", "country": "GB"},
    "contacts": [{"name": "Ann", "email": "ann@acme.test", "billingPreference": "PRIMARY"}],
    "taxStatus": "TAXED",
}


@pytest.fixture
def store_kind() -> str:
    """The version is decided before any store is touched: one kind is enough."""
    return "memory"


def versioned(version: str) -> dict[str, str]:
    return basic() | {"Sequence-Version": version}


def stored_events(app: Flask) -> int:
    return int(app.extensions[EXTENSION].store.count_seat_events())


def test_a_seat_event_is_created_under_2024_05_09_and_the_answer_names_it(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=versioned("2024-05-09"))

    assert response.status_code == 201
    assert response.headers["Sequence-Version"] == "2024-05-09"
    assert response.get_json()["customerAlias"] == SEQUENCE_EXAMPLE["customerAlias"]
    assert stored_events(app) == 1


@pytest.mark.parametrize("version", EARLIER_VERSIONS)
def test_creating_a_seat_event_follows_what_the_versions_document_has(
    app: Flask, client: FlaskClient, version: str
) -> None:
    response = client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=versioned(version))

    assert response.headers["Sequence-Version"] == version
    if "POST /seat-events" in SERVED[version]:
        assert response.status_code == 201
        assert stored_events(app) == 1
    else:  # 2024-01-01's document has no seat events at all
        assert response.status_code == 404
        assert response.get_json()["error"] == {
            "type": "NotFound",
            "message": f"POST /seat-events is not part of Sequence API version {version}",
            "errors": [],
        }
        assert stored_events(app) == 0


@pytest.mark.parametrize("prefix", ["", "/api"])
def test_an_operation_the_version_lacks_is_404_naming_it_and_changes_nothing(
    client: FlaskClient, prefix: str
) -> None:
    customer = client.post("/customers", json=ACME, headers=basic()).get_json()["id"]

    response = client.post(
        f"{prefix}/customers/{customer}/archive", headers=versioned("2024-01-01")
    )

    assert response.status_code == 404
    assert response.headers["Sequence-Version"] == "2024-01-01"
    assert response.get_json()["error"]["message"] == (
        "POST /customers/{id}/archive is not part of Sequence API version 2024-01-01"
    )
    assert "archivedAt" not in client.get(f"/customers/{customer}", headers=basic()).get_json()


def test_an_operation_the_version_serves_answers_as_under_2024_07_30(client: FlaskClient) -> None:
    customer = client.post("/customers", json=ACME, headers=basic()).get_json()
    alias = {"customerId": customer["id"], "value": "acme-crm"}

    created = client.post("/customer-aliases", json=alias, headers=versioned("2024-01-01"))
    listed = client.get("/customer-aliases", headers=versioned("2024-01-01"))

    assert created.status_code == 201 and created.headers["Sequence-Version"] == "2024-01-01"
    assert [item["value"] for item in listed.get_json()["items"]] == ["acme-crm"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Sequence-Version": "2024-05-09"}, 401),  # no credentials
        (versioned("2024-05-09"), 400),  # an invalid body
    ],
)
def test_errors_under_an_earlier_version_name_it(
    app: Flask, client: FlaskClient, headers: dict[str, str], status: int
) -> None:
    response = client.post("/seat-events", json={"total": "3"}, headers=headers)

    assert response.status_code == status
    assert response.headers["Sequence-Version"] == "2024-05-09"
    assert stored_events(app) == 0


def test_an_unknown_path_under_an_earlier_version_names_it(client: FlaskClient) -> None:
    response = client.get("/no-such-path", headers=versioned("2024-01-01"))

    assert response.status_code == 404
    assert response.headers["Sequence-Version"] == "2024-01-01"


@pytest.mark.parametrize("version", ["2024-05-09", "1999-01-01"])
def test_the_control_plane_is_not_versioned(client: FlaskClient, version: str) -> None:
    response = client.get("/_emulator/health", headers={"Sequence-Version": version})

    assert response.status_code == 200
    assert response.headers["Sequence-Version"] == "2024-07-30"
