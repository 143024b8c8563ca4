"""Cursors that this server did not make: a 400 on the cursor field, never a 500 or a page."""

from __future__ import annotations

import base64

import pytest
from conftest import SEQUENCE_EXAMPLE, basic
from flask.testing import FlaskClient

from emulator.domain.pages import encode_cursor

ID = "0190f0c0-0000-7000-8000-000000000001"
# Other spellings of ID that uuid.UUID reads as the same UUID: one spelling only is a cursor's.
SPELLINGS = [
    ID.upper(),
    "{" + ID + "}",
    ID.replace("-", ""),
    "urn:uuid:" + ID,
    " " + ID,
    ID + "\n",
]
# Instants no database integer holds, or not written in ASCII digits.
INSTANTS = [
    str(2**63),
    str(-(2**63)),
    "9" * 400,
    "--5",
    "+5",
    "5-",
    "\u00b2",  # superscript two: str.isdigit() says yes, int() says no
    "\u0665",  # Arabic-Indic five: int() reads it as 5
    "\uff15",  # fullwidth five
    "1_000",
    " 5",
    "",
]
LISTS = ["/seat-events", "/seat-metrics", "/customers", "/customer-aliases"]


def refused_on(response: object, key: str) -> bool:
    status = response.status_code  # type: ignore[attr-defined]
    error = response.get_json()["error"]  # type: ignore[attr-defined]
    return status == 400 and [problem["key"] for problem in error["errors"]] == [key]


@pytest.fixture
def listed(client: FlaskClient) -> FlaskClient:
    """An account with a seat event, a metric and a customer with an alias."""
    assert client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=basic()).status_code == 201
    metric = {"seatType": "admin", "label": "Admins"}
    assert client.post("/seat-metrics", json=metric, headers=basic()).status_code == 201
    customer = {
        "legalName": "Acme",
        "address": {"line1": "1 Road", "town": "Town", "postcode": "AB1", "country": "GB"},
        "contacts": [],
        "taxStatus": "TAXED",
        "customerAliases": ["acme"],
    }
    response = client.post("/customers", json=customer, headers=basic())
    assert response.status_code == 201, response.get_json()
    return client


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_id_in_another_spelling_is_refused(
    listed: FlaskClient, path: str, spelling: str
) -> None:
    for side in ("after", "before"):
        response = listed.get(path, query_string={side: encode_cursor(spelling)}, headers=basic())
        assert refused_on(response, side), (side, response.get_json())


@pytest.mark.parametrize("instant", INSTANTS)
def test_an_instant_out_of_range_or_not_in_ascii_digits_is_refused(
    listed: FlaskClient, instant: str
) -> None:
    cursor = encode_cursor(instant, ID) if instant else base64.urlsafe_b64encode(f",{ID}".encode())
    for side in ("after", "before"):
        query = {"sortBy": "eventTimestamp", side: cursor}
        response = listed.get("/seat-events", query_string=query, headers=basic())
        assert refused_on(response, side), (side, response.get_json())


@pytest.mark.parametrize(
    "cursor",
    [
        encode_cursor("n" + base64.urlsafe_b64encode(b"a\x00b").decode(), ID),  # a NUL name
        encode_cursor("n!!", ID),
        encode_cursor("x", ID),
        encode_cursor("nQWNtZQ", ID.upper()),
    ],
)
def test_a_legal_name_cursor_that_does_not_decode_is_refused(
    listed: FlaskClient, cursor: str
) -> None:
    query = {"sortBy": "legalName", "after": cursor}
    assert refused_on(listed.get("/customers", query_string=query, headers=basic()), "after")


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("cursor", ["\u00e9", "%%%", "a" * 5, "\uff21\uff22\uff23\uff24", "===="])
def test_text_that_is_no_cursor_is_refused(listed: FlaskClient, path: str, cursor: str) -> None:
    assert refused_on(listed.get(path, query_string={"after": cursor}, headers=basic()), "after")


@pytest.mark.parametrize("path", LISTS)
def test_the_cursors_a_list_gives_are_still_accepted(listed: FlaskClient, path: str) -> None:
    for _ in range(2):  # two of each, so that there is a next page
        listed.post("/seat-events", json={**SEQUENCE_EXAMPLE, "total": 7}, headers=basic("x"))
    first = listed.get(path, query_string={"limit": 1}, headers=basic())
    assert first.status_code == 200
    after = first.get_json()["pagination"].get("after")
    if after is not None:
        page = listed.get(path, query_string={"limit": 1, "after": after}, headers=basic())
        assert page.status_code == 200, page.get_json()


def test_another_accounts_cursor_is_a_position_and_reveals_nothing(listed: FlaskClient) -> None:
    """A cursor names a place in a sort, not a record: it pages this account's own list."""
    mine = listed.get("/seat-events", headers=basic()).get_json()["items"][0]["id"]
    response = listed.get(
        "/seat-events", query_string={"before": encode_cursor(mine)}, headers=basic("other")
    )
    assert response.status_code == 200
    assert response.get_json()["items"] == []
