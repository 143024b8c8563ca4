"""POST /seat-events through HTTP, as Sequence answers it (BEHAVIOUR.md §4)."""

import threading
import uuid

import pytest
from conftest import SEQUENCE_EXAMPLE, PostEvent, basic
from flask import Flask
from flask.testing import FlaskClient

from emulator.domain.accounts import derived_account_id
from emulator.http.context import EXTENSION

SEVEN_FIELDS = {
    "id",
    "customerEventId",
    "customerAlias",
    "seatType",
    "sequenceAccountId",
    "eventTimestamp",
    "total",
}


def stored_versions(app: Flask) -> int:
    return int(app.extensions[EXTENSION].store.count_seat_events())


@pytest.mark.parametrize("path", ["/seat-events", "/api/seat-events"])
def test_sequence_example_gets_201_with_the_seven_fields(post_event: PostEvent, path: str) -> None:
    response = post_event(path=path)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == SEVEN_FIELDS
    assert {k: body[k] for k in SEQUENCE_EXAMPLE} == SEQUENCE_EXAMPLE
    assert uuid.UUID(body["id"]).version == 7
    assert body["sequenceAccountId"] == derived_account_id("key")
    assert response.headers["Sequence-Version"] == "2024-07-30"


def test_the_timestamp_is_echoed_exactly_as_sent(post_event: PostEvent) -> None:
    for sent in ("2022-10-01T02:00:00+02:00", "2024-04-18", "2022-10-01T00:00:00.123456Z"):
        response = post_event(eventTimestamp=sent, customerEventId=sent)
        assert response.status_code == 201
        assert response.get_json()["eventTimestamp"] == sent


@pytest.mark.parametrize("customer_event_id", [None, "omit"])
def test_a_missing_or_null_customer_event_id_is_generated(
    client: FlaskClient, customer_event_id: str | None
) -> None:
    body = {k: v for k, v in SEQUENCE_EXAMPLE.items() if k != "customerEventId"}
    if customer_event_id is None:
        body["customerEventId"] = None
    response = client.post("/seat-events", json=body, headers=basic())
    assert response.status_code == 201
    assert uuid.UUID(response.get_json()["customerEventId"]).version == 7


def test_unknown_fields_are_ignored(post_event: PostEvent) -> None:
    response = post_event(colour="blue", nested={"a": 1})
    assert response.status_code == 201
    assert "colour" not in response.get_json()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"total": True}, "total"),
        ({"total": 2.0}, "total"),
        ({"total": "3"}, "total"),
        ({"total": -1}, "total"),
        ({"total": 2**31}, "total"),
        ({"total": None}, "total"),
        ({"eventTimestamp": "not a date"}, "eventTimestamp"),
        ({"eventTimestamp": "2022-02-30"}, "eventTimestamp"),
        ({"eventTimestamp": 1664582400}, "eventTimestamp"),
        ({"customerAlias": ""}, "customerAlias"),
        ({"seatType": "x" * 256}, "seatType"),
        ({"customerEventId": 42}, "customerEventId"),
    ],
)
def test_each_invalid_field_is_a_400_naming_it_and_stores_nothing(
    app: Flask, post_event: PostEvent, changes: dict[str, object], field: str
) -> None:
    response = post_event(**changes)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["type"] == "validationError"
    assert field in [detail["key"] for detail in error["errors"]]
    assert stored_versions(app) == 0


def test_the_largest_total_is_accepted(post_event: PostEvent) -> None:
    assert post_event(total=2**31 - 1).status_code == 201
    assert post_event(total=0, customerEventId="zero").status_code == 201


@pytest.mark.parametrize("missing", ["customerAlias", "seatType", "eventTimestamp", "total"])
def test_each_missing_required_field_is_named(client: FlaskClient, missing: str) -> None:
    body = {k: v for k, v in SEQUENCE_EXAMPLE.items() if k != missing}
    response = client.post("/seat-events", json=body, headers=basic())
    assert response.status_code == 400
    details = response.get_json()["error"]["errors"]
    problem = {"key": missing, "message": f"'{missing}' is a required property"}
    assert {**problem, "code": "validationError", "errors": []} in details


def test_every_problem_is_listed_not_only_the_first(client: FlaskClient) -> None:
    body = {"total": "3", "eventTimestamp": "not a date", "customerAlias": ""}
    response = client.post("/seat-events", json=body, headers=basic())
    fields = sorted(d["key"] for d in response.get_json()["error"]["errors"])
    assert fields == [
        "customerAlias",
        "eventTimestamp",
        "seatType",
        "total",
    ]
    assert response.get_json()["error"]["message"] == "Request data validation failed"


@pytest.mark.parametrize("body", [[SEQUENCE_EXAMPLE], "text", 3])
def test_a_body_that_is_not_an_object_is_refused(client: FlaskClient, body: object) -> None:
    response = client.post("/seat-events", json=body, headers=basic())
    assert response.status_code == 400
    assert response.get_json()["error"]["errors"][0]["key"] == "body"


def test_a_change_supersedes_with_a_new_id(app: Flask, post_event: PostEvent) -> None:
    first = post_event().get_json()
    second = post_event(total=5).get_json()
    assert second["id"] != first["id"]
    assert second["id"] > first["id"]  # UUIDv7 ids sort by creation
    assert stored_versions(app) == 2


def test_an_identical_retry_returns_the_stored_event(app: Flask, post_event: PostEvent) -> None:
    first = post_event()
    retry = post_event(eventTimestamp="2022-10-01T01:00:00+01:00")  # same instant
    assert retry.status_code == 201
    assert retry.get_json() == first.get_json()  # same id, and the stored timestamp string
    assert stored_versions(app) == 1


def test_void_is_accepted_and_stored(post_event: PostEvent) -> None:
    post_event()
    response = post_event(customerAlias="VOID")
    assert response.status_code == 201
    assert response.get_json()["customerAlias"] == "VOID"


def test_two_accounts_never_meet(app: Flask, post_event: PostEvent) -> None:
    mine = post_event(client_id="alice").get_json()
    theirs = post_event(client_id="bob").get_json()
    assert mine["sequenceAccountId"] != theirs["sequenceAccountId"]
    assert mine["id"] != theirs["id"]  # same customerEventId, no supersession across accounts
    store = app.extensions[EXTENSION].store
    assert store.seat_event(mine["sequenceAccountId"], theirs["id"]) is None


def test_fifty_threads_posting_one_customer_event_id_leave_one_effective(app: Flask) -> None:
    barrier = threading.Barrier(50)
    statuses: list[int] = []
    ids: list[str] = []

    def post(total: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/seat-events", json={**SEQUENCE_EXAMPLE, "total": total}, headers=basic()
        )
        statuses.append(response.status_code)
        ids.append(response.get_json()["id"])

    threads = [threading.Thread(target=post, args=(total,)) for total in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 50
    assert len(set(ids)) == 50
    store = app.extensions[EXTENSION].store
    effective = store.current_seat_event(
        derived_account_id("key"), SEQUENCE_EXAMPLE["customerEventId"]
    )
    assert effective is not None and effective.id == max(ids)
