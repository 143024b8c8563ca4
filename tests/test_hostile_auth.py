"""Hostile Authorization headers: always a 401, never a 500, never "every account"."""

from __future__ import annotations

import base64

import pytest
from conftest import SEQUENCE_EXAMPLE, basic
from flask.testing import FlaskClient

from emulator.app import create_app
from emulator.config import Settings
from emulator.domain.accounts import derived_account_id

NOT_ASCII = [
    "Basic é",
    "Basic \xff",
    "Basic \uff19\uff19",  # fullwidth digits
    "basic \u00e9\u00e9\u00e9\u00e9",
    "Basic " + base64.b64encode(b"\xff\xfe:secret").decode(),  # base64 of invalid UTF-8
    "Basic " + base64.b64encode(b"key:\xc3").decode(),
]
MALFORMED = ["Basic", "Basic ", "Bearer x", "Basic !!!", "Digest key", "key:secret", "", " "]


def unauthorized(response: object) -> bool:
    body = response.get_json()  # type: ignore[attr-defined]
    status = response.status_code  # type: ignore[attr-defined]
    return status == 401 and body["error"] == {
        "type": "Unauthorized",
        "message": body["error"]["message"],
        "errors": [],
    }


def stored(client: FlaskClient, client_id: str = "key") -> int:
    response = client.get("/seat-events", headers=basic(client_id))
    assert response.status_code == 200, response.get_json()
    return int(response.get_json()["pagination"]["totalResultSize"])


@pytest.fixture
def two_accounts(client: FlaskClient) -> FlaskClient:
    for client_id in ("key", "other"):
        response = client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=basic(client_id))
        assert response.status_code == 201
    return client


@pytest.mark.parametrize("header", NOT_ASCII)
def test_bytes_that_are_not_ascii_after_basic_are_a_401_on_the_product_api(
    client: FlaskClient, header: str
) -> None:
    assert unauthorized(client.get("/seat-events", headers={"Authorization": header}))
    post = client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers={"Authorization": header})
    assert unauthorized(post)
    assert stored(client) == 0


@pytest.mark.parametrize("header", NOT_ASCII + MALFORMED)
def test_a_malformed_credential_never_resets_every_account(
    two_accounts: FlaskClient, header: str
) -> None:
    response = two_accounts.post("/_emulator/reset", headers={"Authorization": header})
    assert unauthorized(response)
    assert (stored(two_accounts), stored(two_accounts, "other")) == (1, 1)


@pytest.mark.parametrize("header", ["Basic", "Bearer x", "Basic !!!", "Basic é"])
def test_a_malformed_credential_exports_or_imports_nothing(
    two_accounts: FlaskClient, header: str
) -> None:
    headers = {"Authorization": header}
    assert unauthorized(two_accounts.get("/_emulator/state", headers=headers))
    empty = {"format": "sequence-emulator-state", "version": 1, "accounts": []}
    assert unauthorized(two_accounts.put("/_emulator/state", json=empty, headers=headers))
    assert (stored(two_accounts), stored(two_accounts, "other")) == (1, 1)


@pytest.mark.parametrize("header", ["Basic", "Bearer x", "Basic é"])
def test_a_malformed_credential_is_a_401_on_seat_charges(client: FlaskClient, header: str) -> None:
    body = {
        "accountId": derived_account_id("key"),
        "customerAlias": "acme",
        "seatType": "admin",
        "startDate": "2024-04-01",
        "endDate": "2024-05-01",
        "price": {"pricePerSeat": "15.00", "billingType": "IN_ARREARS"},
    }
    response = client.post("/_emulator/seat-charges", json=body, headers={"Authorization": header})
    assert unauthorized(response)


def test_well_formed_credentials_still_scope_reset_and_none_resets_all(
    two_accounts: FlaskClient,
) -> None:
    response = two_accounts.post("/_emulator/reset", headers=basic())
    assert response.get_json() == {"reset": "account", "accountId": derived_account_id("key")}
    assert (stored(two_accounts), stored(two_accounts, "other")) == (0, 1)
    assert two_accounts.post("/_emulator/reset").get_json()["reset"] == "all"
    assert stored(two_accounts, "other") == 0


def test_with_an_admin_token_its_bearer_header_is_not_read_as_product_credentials() -> None:
    client = create_app(Settings(validate_responses=True, admin_token="s3cret")).test_client()
    client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=basic())
    response = client.post("/_emulator/reset", headers={"Authorization": "Bearer s3cret"})
    assert response.get_json() == {"reset": "all", "accountId": None}
    wrong = client.post("/_emulator/reset", headers={"Authorization": "Bearer wrong"})
    assert unauthorized(wrong)
    token = {"Emulator-Admin-Token": "s3cret"}
    malformed = client.post("/_emulator/reset", headers={**token, "Authorization": "Basic"})
    assert unauthorized(malformed)
