"""POST /_emulator/seat-charges over HTTP: Sequence's example, supersession, accounts, bad input."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import basic
from flask.testing import FlaskClient

from emulator.app import create_app
from emulator.config import Settings
from emulator.domain.accounts import derived_account_id
from emulator.domain.customers import implicit_customer_id
from emulator.testing import HttpControl, SequenceEmulator

PATH = "/_emulator/seat-charges"
A, B = derived_account_id("key"), derived_account_id("other")
APRIL = {"startDate": "2024-04-01", "endDate": "2024-05-01"}
MAY = {"startDate": "2024-05-01T00:00:00Z", "endDate": "2024-06-01T00:00:00Z"}
# £15 a seat a month, in arrears, prorated: Sequence's documented example.
PRICE = {
    "pricePerSeat": "15.00",
    "prorationStrategy": "PRORATE_INCREMENTS",
    "contractedMinimumSeats": 0,
    "tiers": [],
    "billingType": "IN_ARREARS",
}
ADDED = "acme-admin-0418"  # the customerEventId of the 27 seats added on 18 April


def post_seats(
    client: FlaskClient, day: str, total: int, client_id: str = "key", **fields: Any
) -> None:
    body = {"customerAlias": "acme", "seatType": "admin", "eventTimestamp": day, "total": total}
    response = client.post("/seat-events", json={**body, **fields}, headers=basic(client_id))
    assert response.status_code == 201, response.get_json()


def ask(client: FlaskClient, client_id: str | None = "key", **fields: Any) -> Any:
    body = {"customerAlias": "acme", "seatType": "admin", **APRIL, "price": PRICE, **fields}
    headers = basic(client_id) if client_id else {}
    return client.post(PATH, json=body, headers=headers)


def charge(client: FlaskClient, client_id: str | None = "key", **fields: Any) -> dict[str, Any]:
    response = ask(client, client_id, **fields)
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def fields_of(response: Any) -> list[str]:
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["type"] == "validationError"
    return [detail["key"] for detail in error["errors"]]


@pytest.fixture
def example(client: FlaskClient) -> FlaskClient:
    """0 seats on 1 April, then 27 seats on 18 April, for `acme`'s admins in account `key`."""
    post_seats(client, "2024-04-01", 0, customerEventId="acme-admin-0401")
    post_seats(client, "2024-04-18T00:00:00Z", 27, customerEventId=ADDED)
    return client


# --- Sequence's documented example ----------------------------------------------------------


def test_sequences_example_april_bills_175_50(example: FlaskClient) -> None:
    assert charge(example) == {
        "accountId": A,
        "customerAlias": "acme",
        "customerId": implicit_customer_id(A, "acme"),
        "seatType": "admin",
        "startDate": "2024-04-01",
        "endDate": "2024-05-01",
        "periodDays": 30,
        "currency": None,
        "quantity": "11.7",
        "amount": "175.50",
        "lines": [
            {
                "description": "27 seats added on 2024-04-18, 13 of 30 days",
                "seats": 27,
                "days": 13,
                "periodDays": 30,
                "rate": "15.00",
                "tier": None,
                "fee": "0.00",
                "amount": "175.50",
                "since": "2024-04-18",
                "inAdvance": False,
            }
        ],
    }


def test_sequences_example_is_6_50_a_seat_in_april_and_405_in_may(example: FlaskClient) -> None:
    april = charge(example, price={**PRICE, "pricePerSeat": "15"})
    assert [line["amount"] for line in april["lines"]] == ["175.50"]
    assert Decimal(april["amount"]) / 27 == Decimal("6.50")
    may = charge(example, **MAY)
    assert (may["amount"], may["quantity"], may["periodDays"]) == ("405.00", "27", 31)
    assert [(line["seats"], line["days"]) for line in may["lines"]] == [(27, None)]


def test_every_strategy_and_billing_type_answers(example: FlaskClient) -> None:
    amounts = {
        (strategy, billing): charge(
            example, price={**PRICE, "prorationStrategy": strategy, "billingType": billing}
        )["amount"]
        for strategy in (None, "USE_MAXIMUM", "PRORATE_INCREMENTS", "PRORATE_ALL_CHANGES")
        for billing in ("IN_ADVANCE", "IN_ARREARS")
    }
    assert amounts == {
        (None, "IN_ADVANCE"): "0.00",  # B(S) = 0
        (None, "IN_ARREARS"): "405.00",  # B(E-ε) = 27, the whole period
        ("USE_MAXIMUM", "IN_ADVANCE"): "405.00",
        ("USE_MAXIMUM", "IN_ARREARS"): "405.00",
        ("PRORATE_INCREMENTS", "IN_ADVANCE"): "175.50",
        ("PRORATE_INCREMENTS", "IN_ARREARS"): "175.50",
        ("PRORATE_ALL_CHANGES", "IN_ADVANCE"): "175.50",
        ("PRORATE_ALL_CHANGES", "IN_ARREARS"): "175.50",
    }


def test_tiers_fees_advance_and_reversal_lines_conform(example: FlaskClient) -> None:
    post_seats(example, "2024-04-10", 12, customerEventId="acme-admin-0410")
    tiers = [{"upperBound": "10", "price": "12.00", "fee": "5"}, {"price": "10.00"}]
    price = {"pricePerSeat": "0", "prorationStrategy": "PRORATE_ALL_CHANGES", "tiers": tiers}
    body = charge(example, price={**price, "billingType": "IN_ADVANCE", "currency": "GBP"})
    assert body["currency"] == "GBP"
    # 12 seats from 10 April (8 days), then 27 from 18 April (13 days), in tiers of 10 and above.
    assert [(ln["seats"], ln["days"], ln["tier"], ln["fee"]) for ln in body["lines"]] == [
        (10, 8, 0, "5.00"),
        (2, 8, 1, "0.00"),
        (10, 13, 0, "0.00"),
        (17, 13, 1, "0.00"),
    ]
    assert [line["amount"] for line in body["lines"]] == ["37.00", "5.33", "52.00", "73.67"]
    assert body["amount"] == "168.00"  # each line rounded: 32 + the fee 5, 5.333.., 52, 73.666..
    assert not any(line["inAdvance"] for line in body["lines"])  # B(S) is 0: nothing in advance


def test_an_advance_reversed_at_the_end_has_negative_lines(client: FlaskClient) -> None:
    post_seats(client, "2024-03-01", 5)
    post_seats(client, "2024-04-16T12:00:00Z", 2, customerEventId="later")
    price = {**PRICE, "prorationStrategy": "PRORATE_ALL_CHANGES", "billingType": "IN_ADVANCE"}
    lines = charge(client, price=price)["lines"]
    assert [(ln["seats"], ln["amount"], ln["inAdvance"]) for ln in lines] == [
        (5, "75.00", True),
        (-5, "-75.00", False),
        (5, "40.00", False),  # 1 to 16 April: the day of a change counts at its highest
        (2, "14.00", False),
    ]


# --- the charge follows the events as they are now -----------------------------------------


def test_superseding_a_past_event_changes_that_periods_charge(example: FlaskClient) -> None:
    post_seats(example, "2024-04-18", 30, customerEventId=ADDED)
    april = charge(example)
    assert (april["amount"], [line["seats"] for line in april["lines"]]) == ("195.00", [30])
    post_seats(example, "2024-04-25", 30, customerEventId=ADDED)  # moved a week later
    assert charge(example)["amount"] == "90.00"  # 30 seats for 6 of 30 days


def test_a_voided_event_drops_out_of_the_charge(example: FlaskClient) -> None:
    post_seats(example, "2024-04-18", 27, customerEventId=ADDED, customerAlias="VOID")
    april = charge(example)
    assert (april["amount"], april["quantity"], april["lines"]) == ("0.00", "0", [])
    assert charge(example, **MAY)["amount"] == "0.00"


def test_other_seat_types_customers_and_later_events_do_not_count(example: FlaskClient) -> None:
    post_seats(example, "2024-04-05", 50, seatType="viewer")
    post_seats(example, "2024-04-05", 60, customerAlias="bolt")
    post_seats(example, "2024-05-01", 70, customerEventId="from-may")
    assert charge(example)["amount"] == "175.50"
    viewers = charge(example, seatType="viewer")
    assert (viewers["seatType"], viewers["amount"]) == ("viewer", "650.00")  # 50 * 26/30 * 15


def test_an_event_at_the_end_of_the_period_is_left_to_the_next(example: FlaskClient) -> None:
    post_seats(example, "2024-05-01", 40, customerEventId="may-first")
    assert charge(example)["amount"] == "175.50"
    assert charge(example, **MAY)["amount"] == "600.00"


def test_many_events_are_read_past_the_first_page(client: FlaskClient) -> None:
    for day in range(1, 31):
        for hour in range(4):  # 120 events; the last of each day holds `day` seats
            post_seats(client, f"2024-04-{day:02d}T{hour:02d}:00:00Z", day, customerEventId=None)
    price = {**PRICE, "prorationStrategy": "USE_MAXIMUM"}
    assert charge(client, price=price)["quantity"] == "30"


# --- accounts and customers -----------------------------------------------------------------


def test_each_account_is_billed_for_its_own_events(example: FlaskClient) -> None:
    post_seats(example, "2024-04-01", 3, client_id="other")
    mine, theirs = charge(example), charge(example, "other")
    assert (mine["accountId"], mine["amount"]) == (A, "175.50")
    assert (theirs["accountId"], theirs["amount"]) == (B, "45.00")
    assert theirs["customerId"] == implicit_customer_id(B, "acme") != mine["customerId"]


def test_account_id_in_the_body_chooses_the_account(example: FlaskClient) -> None:
    assert charge(example, None, accountId=A) == charge(example)
    assert charge(example, "key", accountId=B)["amount"] == "0.00"  # the body wins


def test_with_neither_account_nor_credentials_it_is_a_400_on_account_id(
    example: FlaskClient,
) -> None:
    assert fields_of(ask(example, None)) == ["accountId"]


def test_unreadable_basic_credentials_are_a_401(example: FlaskClient) -> None:
    body = {"customerAlias": "acme", "seatType": "admin", **APRIL, "price": PRICE}
    response = example.post(PATH, json=body, headers={"Authorization": "Basic !!"})
    assert response.status_code == 401
    assert response.get_json()["error"]["type"] == "Unauthorized"


def test_customer_id_from_the_balances_gives_the_same_answer(example: FlaskClient) -> None:
    [customer] = example.get("/seat-balances", headers=basic()).get_json()["items"]
    by_id = charge(example, customerAlias=None, customerId=customer["id"])
    assert by_id == charge(example)
    assert by_id["customerAlias"] == "acme"


def test_a_customer_id_with_no_events_bills_the_minimum(example: FlaskClient) -> None:
    price = {**PRICE, "contractedMinimumSeats": 2}
    body = charge(example, customerAlias=None, customerId="no-such-customer", price=price)
    assert (body["customerAlias"], body["customerId"]) == (None, "no-such-customer")
    assert (body["amount"], body["lines"][0]["description"]) == (
        "30.00",
        "2 seats in force at the start (the contracted minimum), whole period",
    )


# --- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changed",
    [
        {"pricePerSeat": 15},
        {"pricePerSeat": 15.0},
        {"pricePerSeat": "15"},
        {"pricePerSeat": "15.000000000000"},
        {"tiers": [{"upperBound": "10", "price": "15"}, {"upperBound": None, "price": 15}]},
        {"tiers": [{"upperBound": 10, "price": 15.0, "fee": "0"}, {"price": "15.00"}]},
        {"tiers": [{"upperBound": "10.00", "price": "15", "fee": None}, {"price": "15"}]},
        {"contractedMinimumSeats": None, "prorationStrategy": "PRORATE_INCREMENTS"},
        {"pricingType": "SEAT_BASED", "seatMetricId": "m-1", "overagesBillingFrequency": "NONE"},
    ],
)
def test_decimals_as_numbers_bounds_as_strings_and_sequences_extras_are_read(
    example: FlaskClient, changed: dict[str, Any]
) -> None:
    assert charge(example, price={**PRICE, **changed})["amount"] == "175.50"


def test_rates_and_fees_keep_their_decimals(example: FlaskClient) -> None:
    price = {**PRICE, "pricePerSeat": 0.0125}
    [line] = charge(example, price=price)["lines"]
    assert (line["rate"], line["amount"]) == ("0.0125", "0.15")  # 27 * 0.0125 * 13/30 = 0.14625


# --- bad input ------------------------------------------------------------------------------


def priced(**changed: Any) -> dict[str, Any]:
    return {"price": {**PRICE, **changed}}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (priced(prorationStrategy="PRORATE_SOMETIMES"), "price.prorationStrategy"),
        (priced(billingType="MONTHLY"), "price.billingType"),
        (priced(pricePerSeat="15,00"), "price.pricePerSeat"),
        (priced(pricePerSeat="1e3"), "price.pricePerSeat"),
        (priced(pricePerSeat="NaN"), "price.pricePerSeat"),
        (priced(pricePerSeat=True), "price.pricePerSeat"),
        (priced(pricePerSeat=0.12345678901234567), "price.pricePerSeat"),
        (priced(pricePerSeat="-15.00"), "price.pricePerSeat"),
        (priced(pricePerSeat=None), "price.pricePerSeat"),  # and no tiers
        (priced(contractedMinimumSeats=-1), "price.contractedMinimumSeats"),
        (priced(contractedMinimumSeats=1.5), "price.contractedMinimumSeats"),
        (
            priced(tiers=[{"upperBound": 10, "price": "1"}, {"upperBound": 5, "price": "1"}]),
            "price.tiers.1.upperBound",
        ),
        (
            priced(tiers=[{"upperBound": 10, "price": "1"}, {"upperBound": 20, "price": "1"}]),
            "price.tiers.1.upperBound",
        ),
        (
            priced(tiers=[{"price": "1"}, {"price": "1"}]),
            "price.tiers.0.upperBound",
        ),
        (priced(tiers=[{"upperBound": "ten", "price": "1"}]), "price.tiers.0.upperBound"),
        (priced(tiers=[{"price": "1", "fee": "-5"}]), "price.tiers.0.fee"),
        (priced(tiers=[{"upperBound": None}]), "price.tiers.0.price"),
        ({"endDate": "2024-03-01"}, "endDate"),
        ({"endDate": "2024-04-01"}, "endDate"),
        ({"endDate": "2034-04-30"}, "endDate"),  # over ten years
        ({"endDate": "2024-05-01T12:00:00Z"}, "endDate"),
        ({"startDate": "2024-04-01T00:00:00+02:00"}, "startDate"),
        ({"startDate": "April"}, "startDate"),
        ({"customerId": "c-1"}, "customerId"),
        ({"customerAlias": None}, "customerAlias"),
        ({"customerAlias": ""}, "customerAlias"),
        ({"seatType": None}, "seatType"),
        ({"price": None}, "price"),
        ({"price": "15.00"}, "price"),
    ],
)
def test_each_problem_names_its_field(
    example: FlaskClient, fields: dict[str, Any], field: str
) -> None:
    assert set(fields_of(ask(example, **fields))) == {field}


def test_every_problem_is_listed_at_once(example: FlaskClient) -> None:
    price = {
        "pricePerSeat": "-1",
        "prorationStrategy": "SOMETIMES",
        "billingType": "IN_ARREARS",
        "contractedMinimumSeats": -2,
        "tiers": [
            {"upperBound": "10", "price": "12.00"},
            {"upperBound": "abc", "price": "-1"},
            {"upperBound": "5", "price": "10.00", "fee": "x"},
            {"price": "9.00"},
        ],
    }
    response = ask(example, customerId="c-1", endDate="2024-03-01", price=price)
    assert set(fields_of(response)) == set(
        [
            "customerId",
            "endDate",
            "price.pricePerSeat",
            "price.prorationStrategy",
            "price.contractedMinimumSeats",
            "price.tiers.1.upperBound",
            "price.tiers.1.price",
            "price.tiers.2.upperBound",  # below 10, whatever tiers.1 was meant to be
            "price.tiers.2.fee",
        ]
    )


@pytest.mark.parametrize(
    ("data", "content_type", "field"),
    [
        ("{", "application/json", "body"),
        ("[]", "application/json", "body"),
        ("", "application/json", "body"),
        ("pricePerSeat=15", "application/x-www-form-urlencoded", "Content-Type"),
    ],
)
def test_the_body_is_validated_like_every_other(
    client: FlaskClient, data: str, content_type: str, field: str
) -> None:
    response = client.post(PATH, data=data, content_type=content_type, headers=basic())
    assert fields_of(response) == [field]


def test_only_post_is_served(client: FlaskClient) -> None:
    response = client.get(PATH)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


# --- the admin token ------------------------------------------------------------------------


@pytest.fixture
def guarded() -> FlaskClient:
    client = create_app(Settings(validate_responses=True, admin_token="s3cret")).test_client()
    post_seats(client, "2024-04-18", 27)
    return client


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (basic(), 401),  # product credentials never open the control plane
        (basic() | {"Emulator-Admin-Token": "wrong"}, 401),
        (basic() | {"Emulator-Admin-Token": "s3cret"}, 200),
        ({"Authorization": "Bearer s3cret"}, 400),  # no account: give accountId
    ],
)
def test_with_an_admin_token_it_needs_the_token(
    guarded: FlaskClient, headers: dict[str, str], status: int
) -> None:
    body = {"customerAlias": "acme", "seatType": "admin", **APRIL, "price": PRICE}
    response = guarded.post(PATH, json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    if status == 200:
        assert response.get_json()["amount"] == "175.50"


def test_with_an_admin_token_the_account_can_be_in_the_body(guarded: FlaskClient) -> None:
    body = {"accountId": A, "customerAlias": "acme", "seatType": "admin", **APRIL, "price": PRICE}
    response = guarded.post(PATH, json=body, headers={"Authorization": "Bearer s3cret"})
    assert response.get_json()["amount"] == "175.50"


# --- the pytest helper ----------------------------------------------------------------------


def test_the_helper_answers_sequences_example(sequence_emulator: SequenceEmulator) -> None:
    sequence_emulator.post_seat_event("acme", "admin", 0, "2024-04-01")
    sequence_emulator.post_seat_event("acme", "admin", 27, "2024-04-18")
    price = {"pricePerSeat": "15", "prorationStrategy": "PRORATE_INCREMENTS"}
    april = sequence_emulator.seat_charge(
        "acme", "admin", "2024-04-01", "2024-05-01", **price, billingType="IN_ARREARS"
    )
    assert (april["amount"], april["accountId"]) == ("175.50", sequence_emulator.account_id)
    over_http = SequenceEmulator(sequence_emulator.url, HttpControl(sequence_emulator.url))
    may = over_http.seat_charge(
        "acme", "admin", "2024-05-01", "2024-06-01", **price, billingType="IN_ARREARS"
    )
    assert may["amount"] == "405.00"


# --- the README's worked example ------------------------------------------------------------


def test_the_readmes_example_is_a_real_answer(example: FlaskClient) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("### What will this cost? Seat charges", 1)[1]
    request = re.search(r"-d '(\{.*?\})'\n```", section, re.S)
    answer = re.search(r"```json\n(.*?)\n```", section, re.S)
    assert request and answer
    response = example.post(PATH, json=json.loads(request[1]), headers=basic())
    assert response.get_json() == json.loads(answer[1])
