"""GET /seat-events/{id} through HTTP: any version of this account, 404 otherwise (§5)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import SEQUENCE_EXAMPLE, PostEvent, basic
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from emulator.domain.accounts import derived_account_id
from emulator.http.context import EXTENSION

SEVEN_FIELDS = {*SEQUENCE_EXAMPLE, "id", "sequenceAccountId"}


@pytest.fixture(autouse=True)
def frozen_clock(app: Flask) -> None:
    app.extensions[EXTENSION].clock.freeze(datetime(2024, 5, 1, tzinfo=timezone.utc))


def created(response: TestResponse) -> dict[str, Any]:
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def get_event(
    client: FlaskClient, event_id: str, client_id: str = "key", path: str = "/seat-events"
) -> TestResponse:
    return client.get(f"{path}/{event_id}", headers=basic(client_id))


def assert_not_found(response: TestResponse) -> None:
    """The operation's own 404, naming the id: an unrouted path would say 'No such path'."""
    assert response.status_code == 404
    event_id = response.request.path.rsplit("/", 1)[1]
    assert response.get_json()["error"] == {
        "type": "NotFound",
        "message": f"No seat event with id {event_id!r}",
        "errors": [],
    }


@pytest.mark.parametrize("path", ["/seat-events", "/api/seat-events"])
def test_an_event_is_returned_with_the_seven_fields_as_created(
    client: FlaskClient, post_event: PostEvent, path: str
) -> None:
    event = created(post_event(eventTimestamp="2022-10-01T02:00:00+02:00"))
    response = get_event(client, event["id"], path=path)
    assert response.status_code == 200
    assert set(response.get_json()) == SEVEN_FIELDS
    assert response.get_json() == event
    assert response.get_json()["eventTimestamp"] == "2022-10-01T02:00:00+02:00"
    assert response.get_json()["sequenceAccountId"] == derived_account_id("key")


def test_the_effective_version_is_returned(client: FlaskClient, post_event: PostEvent) -> None:
    created(post_event())
    effective = created(post_event(total=7))
    assert get_event(client, effective["id"]).get_json() == effective


def test_a_superseded_version_is_still_returned_with_its_own_values(
    client: FlaskClient, post_event: PostEvent
) -> None:
    old = created(post_event(total=3, seatType="viewer"))
    created(post_event(total=7))
    response = get_event(client, old["id"])
    assert response.status_code == 200
    assert response.get_json() == old


def test_both_a_voided_event_and_its_void_version_are_returned(
    client: FlaskClient, post_event: PostEvent
) -> None:
    original = created(post_event())
    void = created(post_event(customerAlias="VOID"))
    assert get_event(client, original["id"]).get_json() == original
    assert get_event(client, void["id"]).get_json()["customerAlias"] == "VOID"


def test_each_of_several_events_is_found_by_its_own_id(
    client: FlaskClient, post_event: PostEvent
) -> None:
    events = [created(post_event(customerEventId=f"event-{n}", total=n)) for n in range(3)]
    assert [get_event(client, e["id"]).get_json()["total"] for e in events] == [0, 1, 2]


def test_an_unknown_id_is_404(client: FlaskClient, post_event: PostEvent) -> None:
    created(post_event())
    assert_not_found(get_event(client, "0184421a-8202-70ea-a729-30308a40bbf7"))
    assert_not_found(get_event(client, str(uuid.uuid4())))


def test_another_accounts_event_is_404(client: FlaskClient, post_event: PostEvent) -> None:
    theirs = created(post_event(client_id="bob"))
    assert_not_found(get_event(client, theirs["id"], client_id="alice"))
    assert get_event(client, theirs["id"], client_id="bob").status_code == 200


@pytest.mark.parametrize("event_id", ["not-a-uuid", "123", "event-id-H4twuTWpYx1rkd8OMTki2hTUcZ"])
def test_a_string_that_is_not_a_uuid_is_404(
    client: FlaskClient, post_event: PostEvent, event_id: str
) -> None:
    created(post_event())
    assert_not_found(get_event(client, event_id))


def test_the_customer_event_id_is_not_an_id(client: FlaskClient, post_event: PostEvent) -> None:
    created(post_event(customerEventId="0184421a-8202-70ea-a729-30308a40bbf7"))
    assert_not_found(get_event(client, "0184421a-8202-70ea-a729-30308a40bbf7"))


def test_a_404_under_api_carries_the_envelope(client: FlaskClient) -> None:
    assert_not_found(get_event(client, str(uuid.uuid4()), path="/api/seat-events"))
