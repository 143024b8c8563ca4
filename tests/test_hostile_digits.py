"""Digits of other scripts (Arabic-Indic, fullwidth, superscript): a 400 on the field."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import SEQUENCE_EXAMPLE, basic
from flask.testing import FlaskClient

from emulator.domain.durations import InvalidDurationError, parse_duration
from emulator.domain.faults import InvalidFaultHeaderError, action_from_header
from emulator.domain.timestamps import InvalidTimestampError, parse_timestamp

ARABIC_2024 = "\u0662\u0660\u0662\u0664"  # ٢٠٢٤
FULLWIDTH_10 = "\uff11\uff10"  # fullwidth ten
SUPERSCRIPT_2 = "\u00b2"
TIMESTAMPS = [
    f"{ARABIC_2024}-04-01T00:00:00Z",
    "2024-04-01T\uff10\uff10:00:00Z",
    "2024-04-\u0660\u0661",
    "2024-04-01T00:00:00.\u0661Z",
    "2024-04-01T00:00:00+\u0660\u0661:00",
    "\U0001d7ee\U0001d7ec\U0001d7ee\U0001d7f0-04-01",  # mathematical bold digits
]
NUMBERS = [FULLWIDTH_10, "\u0662", SUPERSCRIPT_2, "1\u0660", "+5", " 5", "5_0", "\u09e7"]
PRICE = {"pricePerSeat": "15.00", "billingType": "IN_ARREARS"}
CHARGE = {"customerAlias": "acme", "seatType": "admin", "startDate": "2024-04-01"}


def keys_of(response: Any) -> list[str]:
    assert response.status_code == 400, response.get_json()
    return [problem["key"] for problem in response.get_json()["error"]["errors"]]


def stored(client: FlaskClient) -> int:
    response = client.get("/seat-events", headers=basic())
    return int(response.get_json()["pagination"]["totalResultSize"])


@pytest.mark.parametrize("text", TIMESTAMPS)
def test_a_timestamp_in_other_digits_is_not_a_timestamp(text: str) -> None:
    with pytest.raises(InvalidTimestampError):
        parse_timestamp(text)


@pytest.mark.parametrize("text", ["PT\uff11H", "P\u0662D", "PT1.\u0665S", "-P\u00b2W"])
def test_a_duration_in_other_digits_is_not_a_duration(text: str) -> None:
    with pytest.raises(InvalidDurationError):
        parse_duration(text)


@pytest.mark.parametrize(
    "text", [SUPERSCRIPT_2, "\u0665\u0660\u0663", "delay=\u00b2", "delay=\uff15"]
)
def test_an_emulator_fault_header_in_other_digits_is_refused(text: str) -> None:
    with pytest.raises(InvalidFaultHeaderError):
        action_from_header(text)


@pytest.mark.parametrize("text", TIMESTAMPS)
def test_a_seat_event_timestamp_in_other_digits_is_a_400_and_nothing_is_stored(
    client: FlaskClient, text: str
) -> None:
    body = {**SEQUENCE_EXAMPLE, "eventTimestamp": text}
    assert keys_of(client.post("/seat-events", json=body, headers=basic())) == ["eventTimestamp"]
    assert stored(client) == 0


@pytest.mark.parametrize("name", ["eventTimestampAfter", "eventTimestampBefore"])
def test_a_timestamp_filter_in_other_digits_is_a_400_on_it(client: FlaskClient, name: str) -> None:
    for text in TIMESTAMPS[:3]:
        response = client.get("/seat-events", query_string={name: text}, headers=basic())
        assert keys_of(response) == [name]


@pytest.mark.parametrize("path", ["/seat-events", "/seat-metrics", "/customers"])
@pytest.mark.parametrize("limit", NUMBERS)
def test_a_limit_in_other_digits_is_a_400_on_it(client: FlaskClient, path: str, limit: str) -> None:
    response = client.get(path, query_string={"limit": limit}, headers=basic())
    assert keys_of(response) == ["limit"]


def test_a_limit_in_ascii_digits_still_pages(client: FlaskClient) -> None:
    for total in (1, 2, 3):
        client.post("/seat-events", json={**SEQUENCE_EXAMPLE, "total": total}, headers=basic())
    response = client.get("/seat-events", query_string={"limit": "02"}, headers=basic())
    assert response.status_code == 200
    assert len(response.get_json()["items"]) == 1  # one effective event: the others superseded


@pytest.mark.parametrize(
    "change",
    [
        {"freezeAt": f"{ARABIC_2024}-04-01T00:00:00Z"},
        {"advance": "PT\uff11H"},
        {"advance": "P\u0662D"},
    ],
)
def test_the_clock_refuses_other_digits_and_does_not_move(
    client: FlaskClient, change: dict[str, str]
) -> None:
    before = client.get("/_emulator/clock").get_json()
    client.put("/_emulator/clock", json={"freezeAt": "2024-05-01T00:00:00Z"})
    frozen = client.get("/_emulator/clock").get_json()
    assert keys_of(client.put("/_emulator/clock", json=change)) == list(change)
    assert client.get("/_emulator/clock").get_json() == frozen != before


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"endDate": f"{ARABIC_2024}-05-01"}, "endDate"),
        ({"price": {**PRICE, "pricePerSeat": "\uff11\uff15.00"}}, "price.pricePerSeat"),
        ({"price": {**PRICE, "pricePerSeat": "1\u0665.00"}}, "price.pricePerSeat"),
        ({"price": {**PRICE, "pricePerSeat": "15.\u0660\u0660"}}, "price.pricePerSeat"),
        (
            {"price": {**PRICE, "tiers": [{"upperBound": "\u0661\u0660", "price": "1.00"}]}},
            "price.tiers.0.upperBound",
        ),
        (
            {"price": {**PRICE, "tiers": [{"upperBound": None, "price": "\uff11"}]}},
            "price.tiers.0.price",
        ),
    ],
)
def test_seat_charge_numbers_and_dates_in_other_digits_are_a_400_on_the_field(
    client: FlaskClient, fields: dict[str, Any], key: str
) -> None:
    body = {**CHARGE, "endDate": "2024-05-01", "price": PRICE, **fields}
    response = client.post("/_emulator/seat-charges", json=body, headers=basic())
    assert key in keys_of(response)


@pytest.mark.parametrize("header", [SUPERSCRIPT_2, "\u0665\u0660\u0663", "delay=\u00b2"])
def test_an_emulator_fault_header_in_other_digits_is_a_400_on_it(
    client: FlaskClient, header: str
) -> None:
    response = client.get("/seat-events", headers={**basic(), "Emulator-Fault": header})
    assert keys_of(response) == ["Emulator-Fault"]
