"""The request journal over HTTP: what the code under test sent, and what it got back."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import SEQUENCE_EXAMPLE, PostEvent, basic
from flask.testing import FlaskClient

from emulator.app import create_app
from emulator.config import Settings
from emulator.domain.accounts import derived_account_id

A, B = derived_account_id("key"), derived_account_id("other")
STATE = {"format": "sequence-emulator-state", "version": 1}


def journal(client: FlaskClient, **query: Any) -> list[dict[str, Any]]:
    response = client.get("/_emulator/requests", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]  # type: ignore[no-any-return]


def test_a_product_request_is_recorded_in_full(client: FlaskClient) -> None:
    headers = basic() | {"X-Trace": "t-1"}
    response = client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=headers)
    [entry] = journal(client)
    assert (entry["method"], entry["path"], entry["query"]) == ("POST", "/seat-events", {})
    assert entry["headers"]["Authorization"] == "Basic [redacted]"
    assert entry["headers"]["X-Trace"] == "t-1"
    assert entry["body"] == SEQUENCE_EXAMPLE
    assert (entry["bodyTruncated"], entry["responseTruncated"]) == (False, False)
    assert (entry["status"], entry["responseBody"]) == (201, response.get_json())
    assert (entry["problems"], entry["accountId"]) == ([], A)
    assert entry["durationMs"] >= 0 and entry["time"].endswith("Z")


def test_secrets_never_reach_the_journal(client: FlaskClient) -> None:
    headers = basic("key", "very-secret-value") | {"Emulator-Admin-Token": "admin-secret"}
    client.get("/seat-events", headers=headers)
    [entry] = journal(client)
    assert entry["headers"]["Emulator-Admin-Token"] == "[redacted]"
    assert headers["Authorization"].split()[1] not in str(entry)
    assert "admin-secret" not in str(entry)


def test_the_query_string_is_recorded(client: FlaskClient) -> None:
    client.get("/seat-events", query_string={"limit": "5", "seatType": "admin"}, headers=basic())
    assert journal(client)[0]["query"] == {"limit": "5", "seatType": "admin"}


def test_a_400_records_its_validation_problems(client: FlaskClient) -> None:
    response = client.post("/seat-events", json={**SEQUENCE_EXAMPLE, "total": "3"}, headers=basic())
    [entry] = journal(client)
    assert entry["status"] == 400
    assert entry["problems"] == response.get_json()["error"]["errors"]
    assert {p["key"] for p in entry["problems"]} == {"total"}


def test_sequence_numbers_increase_even_across_a_clear(
    client: FlaskClient, post_event: PostEvent
) -> None:
    post_event()
    post_event(total=2)
    first, second = (e["sequence"] for e in journal(client))
    assert second > first
    client.delete("/_emulator/requests")
    post_event(total=3)
    assert journal(client)[0]["sequence"] > second


def test_the_control_plane_is_not_recorded(client: FlaskClient) -> None:
    client.get("/_emulator/health")
    client.get("/_emulator/state")
    client.put("/_emulator/clock", json={"advance": "PT1S"})
    client.post("/_emulator/faults", json={"status": 500, "path": "/nowhere"})
    assert journal(client) == []


def test_unknown_paths_and_refused_credentials_are_recorded(client: FlaskClient) -> None:
    client.get("/no-such-path", headers=basic())
    client.get("/seat-events")
    unknown, refused = journal(client)
    assert (unknown["path"], unknown["status"]) == ("/no-such-path", 404)
    assert (refused["status"], refused["accountId"]) == (401, None)


def test_requests_under_api_are_recorded_with_their_path(client: FlaskClient) -> None:
    client.get("/api/seat-balances", headers=basic())
    assert journal(client)[0]["path"] == "/api/seat-balances"


@pytest.fixture
def mixed(client: FlaskClient, post_event: PostEvent) -> FlaskClient:
    """POST 201 (key), GET 200 (key), POST 400 (other), at 10:00, 11:00 and 12:00."""
    for hour, send in enumerate(
        [
            lambda: post_event(),
            lambda: client.get("/seat-balances", headers=basic()),
            lambda: post_event("other", total=-1),
        ]
    ):
        client.put("/_emulator/clock", json={"freezeAt": f"2024-05-01T1{hour}:00:00Z"})
        send()
    return client


@pytest.mark.parametrize(
    ("query", "statuses"),
    [
        ({}, [201, 200, 400]),
        ({"method": "POST"}, [201, 400]),
        ({"method": "get"}, [200]),
        ({"path": "/seat-balances"}, [200]),
        ({"path": "/seat-events"}, [201, 400]),
        ({"status": 400}, [400]),
        ({"accountId": A}, [201, 200]),
        ({"accountId": B}, [400]),
        ({"since": "2024-05-01T11:00:00Z"}, [200, 400]),
        ({"since": "2024-05-01T11:30:00+00:00"}, [400]),
        ({"method": "POST", "accountId": A}, [201]),
        ({"status": 404}, []),
    ],
)
def test_the_journal_filters(
    mixed: FlaskClient, query: dict[str, Any], statuses: list[int]
) -> None:
    assert [e["status"] for e in journal(mixed, **query)] == statuses


def test_delete_clears_and_answers_the_count(client: FlaskClient, post_event: PostEvent) -> None:
    post_event()
    post_event()
    response = client.delete("/_emulator/requests")
    assert response.get_json() == {"cleared": 2}
    assert journal(client) == []
    assert client.delete("/_emulator/requests").get_json() == {"cleared": 0}


def test_a_journal_at_its_bound_drops_the_oldest() -> None:
    client = create_app(Settings(validate_responses=True, journal_limit=3)).test_client()
    for total in range(5):
        client.post("/seat-events", json={**SEQUENCE_EXAMPLE, "total": total}, headers=basic())
    response = client.get("/_emulator/requests").get_json()
    assert response["limit"] == 3
    assert [e["body"]["total"] for e in response["items"]] == [2, 3, 4]
    assert client.get("/_emulator/health").get_json()["counts"]["journalEntries"] == 3


def test_the_default_bound_is_ten_thousand(client: FlaskClient) -> None:
    assert client.get("/_emulator/requests").get_json()["limit"] == 10_000


def test_a_body_over_64_kib_is_cut_and_marked(client: FlaskClient, post_event: PostEvent) -> None:
    assert post_event(pad="x" * (70 * 1024)).status_code == 201
    [entry] = journal(client)
    assert entry["bodyTruncated"] is True
    assert isinstance(entry["body"], str) and len(entry["body"].encode()) == 64 * 1024
    assert entry["status"] == 201


def test_a_large_response_is_cut_and_marked(client: FlaskClient) -> None:
    events = [  # about 70 KiB listed: each alias and customerEventId is 253 characters
        {"customerAlias": f"{n:03}{'x' * 250}", "customerEventId": f"{n:03}{'y' * 250}"}
        | {"seatType": "admin", "eventTimestamp": "2024-04-01T00:00:00Z", "total": 1}
        for n in range(100)
    ]
    state = {"id": A, "seatEvents": events, "seatMetrics": []}
    client.put("/_emulator/state", json={**STATE, "accounts": [state]})
    assert (
        client.get("/seat-events", query_string={"limit": 100}, headers=basic()).status_code == 200
    )
    [entry] = journal(client)
    assert entry["responseTruncated"] is True and isinstance(entry["responseBody"], str)


def test_a_body_that_is_not_json_is_kept_as_text(client: FlaskClient) -> None:
    headers = basic() | {"Content-Type": "text/plain"}
    client.post("/seat-events", data="total=1", headers=headers)
    [entry] = journal(client)
    assert (entry["body"], entry["bodyTruncated"], entry["status"]) == ("total=1", False, 400)


def test_a_get_has_a_null_body(client: FlaskClient) -> None:
    client.get("/seat-events", headers=basic())
    assert journal(client)[0]["body"] is None
