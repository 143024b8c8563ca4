"""A customer's url is checked before anything is stored: a url Python cannot parse is a 400
on `url` and leaves no customer and no alias behind, on every store kind (BEHAVIOUR.md §3)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from conftest import basic
from flask import Flask
from flask.testing import FlaskClient
from test_api_customers import create, customer_body, get

from emulator.domain.accounts import derived_account_id
from emulator.domain.customers import Address, CustomerDraft, CustomerRuleError, new_customer
from emulator.http.context import EXTENSION
from emulator.store import customers as customer_rows

# Each one makes urllib.parse.urlsplit raise ValueError.
UNPARSEABLE = [
    "http://[",
    "http://[::1",
    "https://[zz]/",
    "//[",
    "[",
    "https://user@[v1.x/path",
    "http://\u2100.test/",  # NFKC turns ℀ into "a/c": a netloc that hides a path
]


def assert_refused_on_url(response: Any) -> None:
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["type"] == "validationError"
    assert error["message"] == "Request data validation failed"
    assert [p["key"] for p in error["errors"]] == ["url"]
    assert error["errors"][0]["message"].startswith("Not a valid URL")


def assert_nothing_stored(client: FlaskClient) -> None:
    listed = get(client, "/customers")
    assert listed.status_code == 200, listed.get_json()
    assert listed.get_json()["items"] == []
    assert get(client, "/customers/by-alias/acme").status_code == 404
    assert client.get("/_emulator/state").get_json()["accounts"] == []


@pytest.mark.parametrize("url", UNPARSEABLE)
def test_an_unparseable_url_is_refused_and_nothing_is_stored(client: FlaskClient, url: str) -> None:
    sent = customer_body(url=url, customerAliases=["acme"])
    assert_refused_on_url(client.post("/customers", json=sent, headers=basic()))
    assert_nothing_stored(client)
    assert create(client, customerAliases=["acme"])["legalName"] == "Acme Ltd"


@pytest.mark.parametrize("url", UNPARSEABLE[:3])
def test_a_put_with_an_unparseable_url_changes_nothing(client: FlaskClient, url: str) -> None:
    acme = create(client, url="https://www.acme.test/")
    sent = customer_body(legalName="Renamed", url=url, customerAliases=["acme"])
    assert_refused_on_url(client.put(f"/customers/{acme['id']}", json=sent, headers=basic()))
    after = get(client, f"/customers/{acme['id']}").get_json()
    assert (after["legalName"], after["domain"]) == ("Acme Ltd", "acme.test")
    assert get(client, "/customers/by-alias/acme").status_code == 404


@pytest.mark.parametrize("url", UNPARSEABLE)
def test_the_domain_refuses_the_url_before_any_store_sees_it(url: str) -> None:
    draft = CustomerDraft("A", Address("1", "L", "N1", "GB"), (), "TAXED", url=url)
    with pytest.raises(CustomerRuleError) as refused:
        new_customer(draft, "account", lambda: pytest.fail("minted before the check"))
    assert refused.value.field == "url"


def test_a_url_stored_before_the_check_does_not_break_reads(
    app: Flask, client: FlaskClient
) -> None:
    acme = create(client)
    account = derived_account_id("key")
    with app.extensions[EXTENSION].store.database.write(account) as transaction:
        stored = customer_rows.find(transaction, account, acme["id"])
        assert stored is not None
        customer_rows.put(transaction, replace(stored, url="http://["))
    for path in ("/customers", f"/customers/{acme['id']}"):
        response = get(client, path)
        assert response.status_code == 200, response.get_json()
        assert "domain" not in str(response.get_json())
