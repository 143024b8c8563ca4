"""Usage events through HTTP: create, supersede, list (BEHAVIOUR.md §12, as §4-§5)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import basic, frozen_clock
from flask import Flask
from flask.testing import FlaskClient
from usage import USAGE_EXAMPLE, list_usage, ok, post_usage, problem_keys, usage_event

from emulator.domain.clock import Clock

NOW = datetime(2024, 5, 1, 12, 30, 15, 250_000, tzinfo=timezone.utc)
FIELDS = {
    "id",
    "customerEventId",
    "customerAlias",
    "eventType",
    "sequenceAccountId",
    "eventTimestamp",
    "eventProperties",
}


@pytest.fixture(autouse=True)
def clock(app: Flask) -> Clock:
    return frozen_clock(app, NOW)


def items(client: FlaskClient, client_id: str = "key", **query: Any) -> list[dict[str, Any]]:
    return ok(list_usage(client, client_id, **query))["items"]  # type: ignore[no-any-return]


def usage_versions(client: FlaskClient) -> int:
    counts: dict[str, int] = ok(client.get("/_emulator/health"))["counts"]
    return counts["usageEvents"]


def test_sequences_example_is_created_with_its_seven_fields(client: FlaskClient) -> None:
    event = ok(post_usage(client, **USAGE_EXAMPLE), 201)
    assert set(event) == FIELDS
    assert {key: event[key] for key in USAGE_EXAMPLE} == USAGE_EXAMPLE


def test_without_timestamp_or_properties_an_event_is_dated_now_in_utc(client: FlaskClient) -> None:
    event = ok(post_usage(client, customerAlias="acme", eventType="sent"), 201)
    assert (event["eventTimestamp"], event["eventProperties"]) == ("2024-05-01T12:30:15.250Z", {})
    assert event["customerEventId"] == event["id"]  # generated when absent


def test_every_missing_or_malformed_field_is_named_at_once(client: FlaskClient) -> None:
    assert problem_keys(post_usage(client)) == {"customerAlias", "eventType"}
    bad = post_usage(client, customerAlias="a", eventType="t", eventTimestamp="yesterday")
    assert problem_keys(bad) == {"eventTimestamp"}
    assert problem_keys(post_usage(client, **USAGE_EXAMPLE | {"eventProperties": [1]})) == {
        "eventProperties"
    }


def test_a_changed_event_supersedes_and_an_identical_one_is_a_retry(client: FlaskClient) -> None:
    first = ok(post_usage(client, **USAGE_EXAMPLE), 201)
    reordered = {"type": "text_message", "length": 500}  # the same JSON value
    again = ok(post_usage(client, **USAGE_EXAMPLE | {"eventProperties": reordered}), 201)
    assert (again["id"], usage_versions(client)) == (first["id"], 1)
    changed = ok(post_usage(client, **USAGE_EXAMPLE | {"eventProperties": {"length": 501}}), 201)
    assert changed["id"] != first["id"]
    assert [e["id"] for e in items(client)] == [changed["id"]]  # the superseded one is hidden
    assert usage_versions(client) == 2


def test_a_retry_without_timestamp_keeps_the_stored_one(client: FlaskClient, clock: Clock) -> None:
    body = {"customerAlias": "acme", "eventType": "sent", "customerEventId": "k"}
    first = ok(post_usage(client, **body), 201)
    clock.freeze(datetime(2024, 5, 2, tzinfo=timezone.utc))
    assert ok(post_usage(client, **body), 201) == first


def test_events_are_kept_apart_per_account(client: FlaskClient) -> None:
    ok(post_usage(client, **USAGE_EXAMPLE), 201)
    assert items(client, "other") == []
    other = ok(post_usage(client, "other", **USAGE_EXAMPLE), 201)
    assert [e["id"] for e in items(client, "other")] == [other["id"]]


def test_the_list_filters_as_sequence_names_them(client: FlaskClient) -> None:
    a = usage_event(client, "a", "2024-04-01T00:00:00Z")
    b = usage_event(client, "b", "2024-04-02T00:00:00Z", "viewed")
    c = usage_event(client, "c", "2024-04-03T00:00:00Z")

    def ids(**query: Any) -> list[str]:
        return [event["id"] for event in items(client, **query)]

    assert ids(customerAlias=["a", "c"]) == [c["id"], a["id"]]
    assert ids(eventType="viewed") == [b["id"]]
    assert ids(eventId=a["id"]) == [a["id"]]
    assert ids(eventTimestampAfter="2024-04-02", eventTimestampBefore="2024-04-03") == [b["id"]]
    assert ids(sortBy="eventTimestamp", sortOrder="ASC") == [a["id"], b["id"], c["id"]]


def test_unmapped_aliases_only_leaves_out_customers_aliases_and_ids(client: FlaskClient) -> None:
    customer = ok(client.post("/customers", json=CUSTOMER, headers=basic()), 201)
    usage_event(client, "mapped", "2024-04-01")
    usage_event(client, customer["id"], "2024-04-01")
    loose = usage_event(client, "loose", "2024-04-01")
    assert [e["id"] for e in items(client, unmappedAliasesOnly="true")] == [loose["id"]]


CUSTOMER = {
    "legalName": "Acme",
    "address": {"line1": "1 Road", "town": "London", "postcode": "N1", "country": "GB"},
    "contacts": [],
    "taxStatus": "TAXED",
    "customerAliases": ["mapped"],
}


def test_paging_visits_every_event_once_and_offset_skips_from_the_cursor(
    client: FlaskClient,
) -> None:
    made = [usage_event(client, "a", f"2024-04-{day:02d}")["id"] for day in range(1, 8)]
    newest_first = made[::-1]
    seen: list[str] = []
    query: dict[str, Any] = {"limit": 3}
    while True:
        page = ok(list_usage(client, **query))
        seen += [event["id"] for event in page["items"]]
        assert page["pagination"]["totalResultSize"] == 7
        if page["pagination"]["after"] is None:
            break
        query = {"limit": 3, "after": page["pagination"]["after"]}
    assert seen == newest_first
    first = ok(list_usage(client, limit=2))
    skipped = ok(list_usage(client, limit=2, offset=1, after=first["pagination"]["after"]))
    assert [e["id"] for e in skipped["items"]] == newest_first[3:5]
    assert skipped["pagination"]["before"] is not None
    assert [e["id"] for e in items(client, limit=2, offset=6)] == newest_first[6:]
    assert items(client, offset=9) == []
    second = ok(list_usage(client, limit=2, after=first["pagination"]["after"]))
    back = ok(list_usage(client, limit=1, offset=1, before=second["pagination"]["before"]))
    assert [e["id"] for e in back["items"]] == newest_first[:1]  # skipped backwards from it


@pytest.mark.parametrize(
    ("query", "key"),
    [({"limit": 0}, "limit"), ({"after": "!!"}, "after"), ({"offset": -1}, "offset")],
)
def test_a_bad_list_parameter_is_a_400_naming_it(
    client: FlaskClient, query: dict[str, Any], key: str
) -> None:
    assert key in problem_keys(list_usage(client, **query))


def test_the_api_prefix_serves_usage_events_too(client: FlaskClient) -> None:
    created = ok(client.post("/api/usage-events", json=USAGE_EXAMPLE, headers=basic()), 201)
    listed = ok(client.get("/api/usage-events", headers=basic()))
    assert [e["id"] for e in listed["items"]] == [created["id"]]


def test_a_number_no_double_holds_is_refused_not_stored_as_infinity(
    client: FlaskClient,
) -> None:
    body = b'{"customerAlias": "a", "eventType": "t", "eventProperties": {"n": 1e400}}'
    response = client.post(
        "/usage-events", data=body, headers=basic() | {"Content-Type": "application/json"}
    )
    assert problem_keys(response) == {"body"}
    assert usage_versions(client) == 0
