"""GET /seat-events through HTTP: filters, sorting and cursor pagination (BEHAVIOUR.md §5)."""

from __future__ import annotations

import base64
import re
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import SEQUENCE_EXAMPLE, basic, frozen_clock
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)
SEVEN_FIELDS = {*SEQUENCE_EXAMPLE, "id", "sequenceAccountId"}
EMPTY = {"items": [], "pagination": {"after": None, "before": None, "totalResultSize": 0}}


@pytest.fixture(autouse=True)
def clock(app: Flask) -> None:
    frozen_clock(app, NOW)


def seat_event(n: int, **changes: Any) -> dict[str, Any]:
    """A seat event body numbered `n`, changed by keyword arguments."""
    body = {
        "customerEventId": f"event-{n}",
        "customerAlias": "acme",
        "seatType": "admin",
        "eventTimestamp": "2024-04-01T00:00:00Z",
        "total": n,
    }
    return {**body, **changes}


def post(client: FlaskClient, *bodies: dict[str, Any], client_id: str = "key") -> list[str]:
    """POST each body; the ids of the created versions, in order."""
    ids = []
    for body in bodies:
        response = client.post("/seat-events", json=body, headers=basic(client_id))
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    return ids


def list_events(
    client: FlaskClient, client_id: str = "key", path: str = "/seat-events", **query: Any
) -> TestResponse:
    return client.get(path, query_string=query, headers=basic(client_id))


def page(client: FlaskClient, **query: Any) -> dict[str, Any]:
    response = list_events(client, **query)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def listed_ids(client: FlaskClient, **query: Any) -> list[str]:
    return [item["id"] for item in page(client, **query)["items"]]


def error_fields(response: TestResponse) -> set[str]:
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["type"] == "validationError"
    return {detail["key"] for detail in error["errors"]}


def page_ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


def walk_forward(client: FlaskClient, **query: Any) -> list[dict[str, Any]]:
    """Every page, following pagination.after from the first page to the last."""
    pages = [page(client, **query)]
    for _ in range(50):
        cursor = pages[-1]["pagination"]["after"]
        if cursor is None:
            return pages
        pages.append(page(client, after=cursor, **query))
    raise AssertionError("pagination.after never became null")


def walk_backward(client: FlaskClient, last: dict[str, Any], **query: Any) -> list[dict[str, Any]]:
    """Every page before `last`, following pagination.before, nearest first."""
    pages = [last]
    for _ in range(50):
        cursor = pages[-1]["pagination"]["before"]
        if cursor is None:
            return pages[1:]
        pages.append(page(client, before=cursor, **query))
    raise AssertionError("pagination.before never became null")


@pytest.mark.parametrize("path", ["/seat-events", "/api/seat-events"])
def test_lists_the_accounts_events_newest_first_with_the_seven_fields(
    client: FlaskClient, path: str
) -> None:
    ids = post(client, seat_event(1), seat_event(2), seat_event(3))
    body = page(client, path=path)
    assert page_ids(body) == ids[::-1]
    assert all(set(item) == SEVEN_FIELDS for item in body["items"])
    assert body["items"][0]["total"] == 3
    assert body["pagination"] == {"after": None, "before": None, "totalResultSize": 3}


def test_an_account_without_events_gets_an_empty_page(client: FlaskClient) -> None:
    assert page(client) == EMPTY


def test_a_superseded_version_is_hidden_and_the_new_one_listed(client: FlaskClient) -> None:
    old, other, new = post(client, seat_event(1), seat_event(2), seat_event(1, total=9))
    body = page(client)
    assert page_ids(body) == [new, other]
    assert old not in page_ids(body)
    assert body["pagination"]["totalResultSize"] == 2


def test_void_events_are_listed(client: FlaskClient) -> None:
    _, void = post(client, seat_event(1), seat_event(1, customerAlias="VOID"))
    assert listed_ids(client) == [void]


def test_customer_alias_matches_exactly(client: FlaskClient) -> None:
    acme, _, _ = post(
        client,
        seat_event(1),
        seat_event(2, customerAlias="acme-2"),
        seat_event(3, customerAlias="ACME"),
    )
    assert listed_ids(client, customerAlias="acme") == [acme]


def test_customer_ids_match_aliases_named_directly(client: FlaskClient) -> None:
    acme, beta, _ = post(
        client,
        seat_event(1),
        seat_event(2, customerAlias="beta"),
        seat_event(3, customerAlias="gamma"),
    )
    assert listed_ids(client, customerIds="acme,beta") == [beta, acme]


def test_customer_ids_match_the_implicit_customer_id_of_an_alias(client: FlaskClient) -> None:
    acme, _, beta = post(
        client,
        seat_event(1),
        seat_event(2, customerAlias="gamma"),
        seat_event(3, customerAlias="beta"),
    )
    balances = client.get("/seat-balances", headers=basic()).get_json()["items"]
    implicit = {item["legalName"]: item["id"] for item in balances}
    assert listed_ids(client, customerIds=implicit["acme"]) == [acme]
    assert listed_ids(client, customerIds=f"{implicit['acme']},beta") == [beta, acme]


def test_seat_type_matches_any_of_a_comma_separated_list(client: FlaskClient) -> None:
    admin, viewer, _ = post(
        client,
        seat_event(1),
        seat_event(2, seatType="viewer"),
        seat_event(3, seatType="editor"),
    )
    assert listed_ids(client, seatType="admin,viewer") == [viewer, admin]
    assert listed_ids(client, seatType="viewer") == [viewer]


def test_customer_event_id_matches_exactly(client: FlaskClient) -> None:
    one, _ = post(client, seat_event(1), seat_event(10))
    assert listed_ids(client, customerEventId="event-1") == [one]


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ({"eventTimestampAfter": "2024-04-18T00:00:00Z"}, True),  # after is inclusive
        ({"eventTimestampAfter": "2024-04-18"}, True),  # a bare date is midnight UTC
        ({"eventTimestampAfter": "2024-04-18T00:00:01"}, False),  # no offset is UTC
        ({"eventTimestampAfter": "2024-04-18T01:00:00+02:00"}, True),  # 23:00 the day before
        ({"eventTimestampBefore": "2024-04-18T00:00:00Z"}, False),  # before is exclusive
        ({"eventTimestampBefore": "2024-04-18T00:00:01"}, True),
        ({"eventTimestampBefore": "2024-04-18T02:00:00.001+02:00"}, True),
    ],
)
def test_event_timestamp_bounds_compare_instants(
    client: FlaskClient, query: dict[str, str], listed: bool
) -> None:
    post(client, seat_event(1, eventTimestamp="2024-04-18T02:00:00+02:00"))  # 00:00 UTC
    assert len(listed_ids(client, **query)) == int(listed)


def test_filters_combine_with_and(client: FlaskClient) -> None:
    ids = post(
        client,
        seat_event(1, eventTimestamp="2024-04-10"),
        seat_event(2, eventTimestamp="2024-04-20"),
        seat_event(3, eventTimestamp="2024-04-20", seatType="viewer"),
        seat_event(4, eventTimestamp="2024-04-20", customerAlias="beta"),
    )
    query = {"customerAlias": "acme", "seatType": "admin", "eventTimestampAfter": "2024-04-15"}
    assert listed_ids(client, **query) == [ids[1]]


def test_sort_orders_and_ties_on_event_timestamp_follow_the_direction(
    client: FlaskClient,
) -> None:
    a, b, c, d = post(
        client,
        seat_event(1, eventTimestamp="2024-04-20"),
        seat_event(2, eventTimestamp="2024-04-10"),
        seat_event(3, eventTimestamp="2024-04-20T00:00:00Z"),
        seat_event(4, eventTimestamp="2024-04-19T22:00:00-02:00"),  # also 04-20 00:00 UTC
    )
    assert listed_ids(client) == [d, c, b, a]
    assert listed_ids(client, sortBy="createdAt", sortOrder="DESC") == [d, c, b, a]
    assert listed_ids(client, sortBy="createdAt", sortOrder="ASC") == [a, b, c, d]
    assert listed_ids(client, sortBy="eventTimestamp", sortOrder="ASC") == [b, a, c, d]
    assert listed_ids(client, sortBy="eventTimestamp") == [d, c, a, b]


def test_limit_defaults_to_20_and_total_counts_every_match(client: FlaskClient) -> None:
    ids = post(client, *(seat_event(n) for n in range(21)))
    body = page(client)
    assert page_ids(body) == ids[::-1][:20]
    assert body["pagination"]["totalResultSize"] == 21
    assert body["pagination"]["after"] is not None
    assert body["pagination"]["before"] is None


@pytest.mark.parametrize(("limit", "size"), [(1, 1), (100, 3)])
def test_limit_bounds_are_accepted(client: FlaskClient, limit: int, size: int) -> None:
    post(client, seat_event(1), seat_event(2), seat_event(3))
    assert len(listed_ids(client, limit=limit)) == size


SORTS = [
    {},
    {"sortOrder": "ASC"},
    {"sortBy": "eventTimestamp"},
    {"sortBy": "eventTimestamp", "sortOrder": "ASC"},
]


def expected_order(days: list[str], ids: list[str], sort: dict[str, str]) -> list[str]:
    """Ids in the requested order; `days` are bare dates, so they sort as strings."""
    if sort.get("sortBy") == "eventTimestamp":
        ids = [event_id for _, event_id in sorted(zip(days, ids, strict=True))]
    return ids if sort.get("sortOrder") == "ASC" else ids[::-1]


@pytest.mark.parametrize("sort", SORTS)
def test_paging_forward_then_backward_visits_the_same_items_with_many_ties(
    client: FlaskClient, sort: dict[str, str]
) -> None:
    days = [("2024-04-03", "2024-04-01", "2024-04-02")[n % 3] for n in range(23)]
    ids = post(client, *(seat_event(n, eventTimestamp=day) for n, day in enumerate(days)))
    forward = walk_forward(client, limit=5, **sort)
    assert [len(p["items"]) for p in forward] == [5, 5, 5, 5, 3]
    assert [i for p in forward for i in page_ids(p)] == expected_order(days, ids, sort)
    assert all(p["pagination"]["totalResultSize"] == 23 for p in forward)
    backward = walk_backward(client, forward[-1], limit=5, **sort)
    assert [page_ids(p) for p in backward] == [page_ids(p) for p in forward[-2::-1]]


def test_cursors_are_base64_strings_and_edges_are_null(client: FlaskClient) -> None:
    post(client, *(seat_event(n) for n in range(4)))
    first, second = walk_forward(client, limit=2)
    assert first["pagination"]["before"] is None
    assert second["pagination"]["after"] is None
    for cursor in (first["pagination"]["after"], second["pagination"]["before"]):
        assert re.fullmatch(r"[A-Za-z0-9+/_-]+=*", cursor)


def test_a_page_fetched_with_before_is_the_limit_items_just_preceding(
    client: FlaskClient,
) -> None:
    ids = post(client, *(seat_event(n) for n in range(10)))[::-1]
    third = walk_forward(client, limit=3)[2]
    assert page_ids(third) == ids[6:9]
    previous = page(client, limit=2, before=third["pagination"]["before"])
    assert page_ids(previous) == ids[4:6]
    assert previous["pagination"]["totalResultSize"] == 10


@pytest.mark.parametrize("sort", [SORTS[0], SORTS[2], SORTS[3]])
def test_events_posted_while_paging_never_repeat_or_skip_existing_ones(
    client: FlaskClient, sort: dict[str, str]
) -> None:
    days = ["2024-04-05", "2024-04-15", "2024-04-25"]
    existing = post(client, *(seat_event(n, eventTimestamp=days[n % 3]) for n in range(12)))
    seen: list[str] = []
    body = page(client, limit=4, **sort)
    newcomer = 100
    for turn in range(50):
        seen += page_ids(body)
        if turn < 3:  # new events arrive while the first pages are read
            for day in ("2024-04-01", "2024-04-10", "2024-04-20", "2024-04-30"):
                post(client, seat_event(newcomer, eventTimestamp=day))
                newcomer += 1
        if body["pagination"]["after"] is None:
            break
        body = page(client, limit=4, after=body["pagination"]["after"], **sort)
    counts = Counter(seen)
    assert {event_id: counts[event_id] for event_id in existing} == dict.fromkeys(existing, 1)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"sortBy": "name"}, "sortBy"),
        ({"sortOrder": "sideways"}, "sortOrder"),
        ({"sortOrder": "asc"}, "sortOrder"),
        ({"eventTimestampBefore": "not a date"}, "eventTimestampBefore"),
        ({"eventTimestampAfter": "not a date"}, "eventTimestampAfter"),
        ({"customerIds": ",".join(f"c{n}" for n in range(26))}, "customerIds"),
        ({"seatType": ",".join(f"s{n}" for n in range(26))}, "seatType"),
        ({"after": "!!!"}, "after"),
        ({"before": "!!!"}, "before"),
        ({"after": base64.b64encode(b"garbage").decode()}, "after"),
        ({"before": base64.urlsafe_b64encode(b"\x00\xffjunk").decode()}, "before"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(
    client: FlaskClient, query: dict[str, Any], field: str
) -> None:
    post(client, seat_event(1))
    assert field in error_fields(list_events(client, **query))


def test_after_and_before_together_are_refused_on_before(client: FlaskClient) -> None:
    post(client, *(seat_event(n) for n in range(6)))
    cursors = walk_forward(client, limit=2)[1]["pagination"]
    response = list_events(client, limit=2, after=cursors["after"], before=cursors["before"])
    assert "before" in error_fields(response)


def test_twenty_five_values_are_accepted(client: FlaskClient) -> None:
    admin = post(client, seat_event(1))
    many = ",".join(["admin", *(f"s{n}" for n in range(24))])
    assert listed_ids(client, seatType=many, customerIds=many.replace("admin", "acme")) == admin


def test_every_bad_parameter_is_listed(client: FlaskClient) -> None:
    query = {"limit": 0, "sortBy": "name", "sortOrder": "sideways", "eventTimestampAfter": "x"}
    fields = error_fields(list_events(client, **query))
    assert {f"{name}" for name in query} <= fields


def test_another_account_never_sees_these_events(client: FlaskClient) -> None:
    post(client, seat_event(1), seat_event(2))
    assert page(client, client_id="someone-else") == EMPTY
    assert listed_ids(client, client_id="someone-else", customerEventId="event-1") == []
