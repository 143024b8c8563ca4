"""The Sequence account the credentials stand for, through HTTP, on every store, every response
checked against the document (BEHAVIOUR.md §9, §13)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from conftest import basic
from flask.testing import FlaskClient
from test_api_customers import get, problems
from werkzeug.test import TestResponse

from emulator.app import create_app
from emulator.config import Settings, parse_credential
from emulator.domain.accounts import derived_account_id

ACCOUNT = derived_account_id("key")
OTHER = derived_account_id("other")
PLACEHOLDER = {
    "createdAt": "1970-01-01T00:00:00Z",
    "companyName": "Sequence Emulator account",
    "companyNumber": "SEQUENCE-EMULATOR",
    "country": "GB",
    "sendCustomerNotifications": False,
    "alertEmailAddresses": [],
}
ACME = {
    "companyName": "Acme Inc.",
    "companyNumber": "GB123988",
    "country": "FR",
    "sendCustomerNotifications": True,
    "alertEmailAddresses": ["alerts@acme.test"],
}


def account(client: FlaskClient, account_id: str = ACCOUNT, client_id: str = "key") -> Any:
    response = get(client, f"/sequence-accounts/{account_id}", client_id=client_id)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def put(
    client: FlaskClient, body: dict[str, Any], account_id: str = ACCOUNT, client_id: str = "key"
) -> TestResponse:
    return client.put(f"/sequence-accounts/{account_id}", json=body, headers=basic(client_id))


def test_an_account_never_updated_answers_the_emulators_placeholders(client: FlaskClient) -> None:
    mine = account(client)
    # Derived from the account id, and fixed forever: a client may keep it.
    assert mine["sequenceOrganisationId"] == "a71f7f29-34a7-5864-81df-ea9290563955"

    assert mine == PLACEHOLDER | {
        "id": ACCOUNT,
        "sequenceOrganisationId": mine["sequenceOrganisationId"],
    }
    assert account(client, OTHER, "other")["sequenceOrganisationId"] not in (
        mine["sequenceOrganisationId"],
        None,
    )
    assert get(client, "/sequence-accounts").get_json() == {
        "items": [mine],
        "pagination": {"after": None, "before": None, "totalResultSize": 1},
    }
    assert get(client, "/api/sequence-accounts").get_json()["items"] == [mine]


def test_the_list_is_the_account_of_the_credentials(client: FlaskClient) -> None:
    (theirs,) = get(client, "/sequence-accounts", client_id="other").get_json()["items"]
    assert theirs["id"] == OTHER


def test_configured_credentials_name_the_account(store_spec: str) -> None:
    credential = parse_credential("svc:s3=acct-42")
    app = create_app(Settings(validate_responses=True, store=store_spec, credentials=(credential,)))
    try:
        listed = app.test_client().get("/sequence-accounts", headers=basic("svc", "s3"))
        assert [item["id"] for item in listed.get_json()["items"]] == ["acct-42"]
    finally:
        app.extensions["sequence_emulator"].close()


def test_an_update_changes_what_it_gives_and_keeps_the_rest(client: FlaskClient) -> None:
    response = put(client, ACME)

    assert response.status_code == 200
    updated = response.get_json()
    assert updated == account(client) == account(client) | ACME
    assert get(client, "/sequence-accounts").get_json()["items"] == [updated]

    renamed = put(client, {"companyName": "Acme Ltd", "country": None, "alertEmailAddresses": None})
    assert renamed.get_json() == updated | {"companyName": "Acme Ltd"}
    assert put(client, {}).get_json() == renamed.get_json()
    assert account(client, OTHER, "other")["companyName"] == PLACEHOLDER["companyName"]


def test_another_accounts_id_is_a_404_and_changes_nothing(client: FlaskClient) -> None:
    for response in (
        get(client, f"/sequence-accounts/{OTHER}"),
        get(client, "/sequence-accounts/nobody"),
        put(client, ACME, account_id=OTHER),
    ):
        assert response.status_code == 404
        assert response.get_json()["error"]["type"] == "NotFound"
    assert account(client, OTHER, "other")["companyName"] == PLACEHOLDER["companyName"]
    assert account(client)["companyName"] == PLACEHOLDER["companyName"]


@pytest.mark.parametrize(
    ("body", "keys"),
    [
        ({"country": "XX"}, ["country"]),
        (
            {"sendCustomerNotifications": "yes", "companyName": 7},
            ["companyName", "sendCustomerNotifications"],
        ),
        ({"alertEmailAddresses": "alerts@acme.test"}, ["alertEmailAddresses"]),
    ],
    ids=["unknown country", "wrong types", "not a list"],
)
def test_a_wrong_update_is_a_400_and_stores_nothing(
    client: FlaskClient, body: dict[str, Any], keys: list[str]
) -> None:
    assert sorted(problems(put(client, ACME | body))) == keys
    assert client.get("/_emulator/state").get_json()["accounts"] == []
    assert account(client)["companyName"] == PLACEHOLDER["companyName"]


def cursor(account_id: str) -> str:
    return base64.urlsafe_b64encode(account_id.encode()).decode()


def test_the_list_pages_like_any_other(client: FlaskClient) -> None:
    past = {"items": [], "pagination": {"after": None, "before": None, "totalResultSize": 1}}
    assert get(client, "/sequence-accounts", after=cursor(ACCOUNT)).get_json() == past
    assert get(client, "/sequence-accounts", limit=1).get_json()["items"][0]["id"] == ACCOUNT
    assert list(problems(get(client, "/sequence-accounts", after="!!"))) == ["after"]
    assert list(problems(get(client, "/sequence-accounts", limit=0))) == ["limit"]


def test_reset_returns_the_placeholders(client: FlaskClient) -> None:
    put(client, ACME)
    put(client, ACME, account_id=OTHER, client_id="other")

    client.post("/_emulator/reset", headers=basic("other"))  # that account only
    assert account(client, OTHER, "other")["companyName"] == PLACEHOLDER["companyName"]
    assert account(client)["companyName"] == ACME["companyName"]

    client.post("/_emulator/reset")
    assert account(client) == account(client) | PLACEHOLDER


def test_the_details_travel_in_the_state_document(client: FlaskClient) -> None:
    updated = put(client, ACME).get_json()
    exported = client.get("/_emulator/state").get_json()
    assert exported["accounts"] == [
        {
            "id": ACCOUNT,
            "seatEvents": [],
            "seatMetrics": [],
            "customers": [],
            "customerAliases": [],
            "usageEvents": [],
            "usageMetrics": [],
            "sequenceAccount": ACME,
        }
    ]

    client.post("/_emulator/reset")
    assert client.put("/_emulator/state", json=exported).status_code == 200
    assert account(client) == updated
    assert client.get("/_emulator/state").get_json() == exported


def state_with(details: dict[str, Any]) -> dict[str, Any]:
    document = {"id": ACCOUNT, "seatEvents": [], "seatMetrics": [], "sequenceAccount": details}
    return {"format": "sequence-emulator-state", "version": 1, "accounts": [document]}


def test_a_seed_may_give_some_details_and_keep_the_other_placeholders(
    client: FlaskClient,
) -> None:
    assert (
        client.put("/_emulator/state", json=state_with({"companyName": "Seeded"})).status_code
        == 200
    )
    assert account(client) == account(client) | PLACEHOLDER | {"companyName": "Seeded"}

    refused = client.put("/_emulator/state", json=state_with({"country": "XX"}))
    assert list(problems(refused)) == ["accounts.0.sequenceAccount.country"]
    assert account(client)["companyName"] == "Seeded"
