"""The control plane over HTTP: health, reset, state, clock, the admin token, bad input."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import SEQUENCE_EXAMPLE, PostEvent, basic
from flask.testing import FlaskClient

from emulator import __version__
from emulator.app import create_app
from emulator.config import Settings
from emulator.domain.accounts import derived_account_id
from emulator.domain.clock import Clock
from emulator.domain.ids import uuid7_from_parts

A, B = derived_account_id("key"), derived_account_id("other")
FORMAT = {"format": "sequence-emulator-state", "version": 1}
NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)
STILL = "2024-05-01T00:00:00Z"  # NOW as the clock shows it
COUNTS = [
    "accounts",
    "seatEvents",
    "seatMetrics",
    "usageEvents",
    "usageMetrics",
    "journalEntries",
    "faultRules",
]
NO_USAGE = {"usageEvents": 0, "usageMetrics": 0}
JSON, TEXT = "application/json", "text/plain"
EVENT = {"customerAlias": "acme", "seatType": "admin", "eventTimestamp": "2024-04-01T00:00:00Z"}


def health(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/_emulator/health")
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def event_ids(client: FlaskClient, client_id: str = "key") -> list[str]:
    response = client.get("/seat-events", headers=basic(client_id))
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def fields_of(response: Any) -> set[str]:
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["type"] == "validationError"
    return {detail["key"] for detail in error["errors"]}


def document(*accounts: dict[str, Any]) -> dict[str, Any]:
    return {**FORMAT, "accounts": list(accounts)}


def account(account_id: str, events: list[Any] | None = None, metrics: Any = ()) -> dict[str, Any]:
    return {"id": account_id, "seatEvents": events or [], "seatMetrics": list(metrics)}


def put_state(client: FlaskClient, doc: Any, **query: str) -> Any:
    return client.put("/_emulator/state", json=doc, query_string=query)


@pytest.fixture
def populated(client: FlaskClient, post_event: PostEvent) -> FlaskClient:
    """Two accounts: `key` has a superseded event and a metric, `other` has one event."""
    assert post_event(total=1).status_code == 201
    assert post_event(total=2).status_code == 201
    assert post_event("other").status_code == 201
    metric = {"seatType": "admin", "label": "Admins"}
    assert client.post("/seat-metrics", json=metric, headers=basic()).status_code == 201
    return client


# --- health ---------------------------------------------------------------------------------


def test_health_answers_without_credentials_with_its_fields(
    client: FlaskClient, store_kind: str
) -> None:
    body = health(client)
    assert (body["status"], body["version"], body["store"]) == ("ok", __version__, store_kind)
    assert body["apiVersion"] == "2024-07-30" and isinstance(body["uptimeSeconds"], (int, float))
    assert body["counts"] == dict.fromkeys(COUNTS, 0)
    assert body["clock"]["frozen"] is False


def test_health_counts_move_with_posts(populated: FlaskClient) -> None:
    populated.post("/_emulator/faults", json={"status": 503, "path": "/nowhere"})
    assert health(populated)["counts"] == dict(zip(COUNTS, [2, 3, 1, 0, 0, 4, 1], strict=True))


# --- admin token ----------------------------------------------------------------------------


@pytest.fixture
def guarded() -> FlaskClient:
    return create_app(Settings(validate_responses=True, admin_token="s3cret")).test_client()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        ({"Emulator-Admin-Token": "wrong"}, 401),
        (basic(), 401),  # product credentials never open it
        ({"Authorization": "Bearer s3cret"}, 200),
        ({"Emulator-Admin-Token": "s3cret"}, 200),
    ],
)
def test_with_an_admin_token_the_control_plane_needs_it(
    guarded: FlaskClient, headers: dict[str, str], status: int
) -> None:
    response = guarded.get("/_emulator/health", headers=headers)
    assert response.status_code == status
    assert status == 200 or response.get_json()["error"]["type"] == "Unauthorized"


def test_the_product_api_needs_no_admin_token_and_cannot_reset(guarded: FlaskClient) -> None:
    assert guarded.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=basic()).status_code == 201
    assert guarded.post("/_emulator/reset", headers=basic()).status_code == 401
    assert len(event_ids(guarded)) == 1


def test_reset_by_credentials_alongside_the_admin_token(guarded: FlaskClient) -> None:
    guarded.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=basic())
    guarded.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=basic("other"))
    headers = basic() | {"Emulator-Admin-Token": "s3cret"}
    response = guarded.post("/_emulator/reset", headers=headers)
    assert response.get_json() == {"reset": "account", "accountId": A}
    assert (event_ids(guarded), len(event_ids(guarded, "other"))) == ([], 1)


# --- reset ----------------------------------------------------------------------------------


def test_reset_forgets_every_account(populated: FlaskClient) -> None:
    response = populated.post("/_emulator/reset")
    assert response.get_json() == {"reset": "all", "accountId": None}
    counts = health(populated)["counts"]
    assert (counts["accounts"], counts["seatEvents"], counts["seatMetrics"]) == (0, 0, 0)


def test_reset_of_one_account_by_query_leaves_another_intact(populated: FlaskClient) -> None:
    kept = event_ids(populated, "other")
    response = populated.post("/_emulator/reset", query_string={"accountId": A})
    assert response.get_json() == {"reset": "account", "accountId": A}
    assert event_ids(populated) == []
    assert populated.get("/seat-metrics", headers=basic()).get_json()["items"] == []
    assert event_ids(populated, "other") == kept


def test_reset_of_one_account_by_its_credentials(populated: FlaskClient) -> None:
    response = populated.post("/_emulator/reset", headers=basic("other"))
    assert response.get_json() == {"reset": "account", "accountId": B}
    assert (event_ids(populated, "other"), len(event_ids(populated))) == ([], 1)


def test_reset_leaves_the_journal_faults_and_clock_alone(populated: FlaskClient) -> None:
    populated.put("/_emulator/clock", json={"freezeAt": "2024-05-01T00:00:00Z"})
    populated.post("/_emulator/faults", json={"status": 503, "path": "/nowhere"})
    before = health(populated)
    populated.post("/_emulator/reset")
    after = health(populated)
    assert after["counts"]["journalEntries"] == before["counts"]["journalEntries"] == 4
    assert after["counts"]["faultRules"] == 1
    assert after["clock"] == {"now": "2024-05-01T00:00:00Z", "frozen": True}


# --- state ----------------------------------------------------------------------------------


def test_export_is_one_document_of_every_account(populated: FlaskClient) -> None:
    doc = populated.get("/_emulator/state").get_json()
    assert {k: doc[k] for k in FORMAT} == FORMAT
    assert [a["id"] for a in doc["accounts"]] == sorted([A, B])
    mine = next(a for a in doc["accounts"] if a["id"] == A)
    assert [e["total"] for e in mine["seatEvents"]] == [1, 2]  # superseded version included
    assert {"id", "customerEventId", "createdAt"} <= set(mine["seatEvents"][0])
    assert [m["seatType"] for m in mine["seatMetrics"]] == ["admin"]


def test_export_import_export_gives_the_same_document(populated: FlaskClient) -> None:
    doc = populated.get("/_emulator/state").get_json()
    fresh = create_app(Settings(validate_responses=True)).test_client()
    summary = put_state(fresh, doc).get_json()
    assert summary == {"accounts": 2, "seatEvents": 3, "seatMetrics": 1, **NO_USAGE}
    assert fresh.get("/_emulator/state").get_json() == doc


def test_one_account_round_trips_by_itself(populated: FlaskClient, post_event: PostEvent) -> None:
    doc = populated.get("/_emulator/state", query_string={"accountId": A}).get_json()
    assert [a["id"] for a in doc["accounts"]] == [A]
    post_event(customerEventId="later")
    assert put_state(populated, doc, accountId=A).status_code == 200
    assert populated.get("/_emulator/state", query_string={"accountId": A}).get_json() == doc
    assert len(event_ids(populated, "other")) == 1


def test_import_replaces_everything(populated: FlaskClient) -> None:
    only = account(derived_account_id("third"), [{**EVENT, "total": 4}])
    assert put_state(populated, document(only)).status_code == 200
    assert (event_ids(populated), event_ids(populated, "other")) == ([], [])
    assert populated.get("/seat-metrics", headers=basic()).get_json()["items"] == []
    assert len(event_ids(populated, "third")) == 1


def test_a_hand_written_document_gets_ids_and_then_behaves(client: FlaskClient) -> None:
    second = {**EVENT, "seatType": "user", "customerEventId": "ce-1", "total": 2}
    doc = document(account(A, [{**EVENT, "total": 3}, second], [{"seatType": "a", "label": "A"}]))
    assert put_state(client, doc).status_code == 200
    items = client.get("/seat-events", headers=basic()).get_json()["items"]
    assert [i["total"] for i in sorted(items, key=lambda i: i["id"])] == [3, 2]
    minted = next(i for i in items if i["total"] == 3)
    assert minted["customerEventId"] == minted["id"]
    assert client.get("/seat-metrics", headers=basic()).get_json()["items"][0]["id"]
    again = {**EVENT, "seatType": "user", "customerEventId": "ce-1", "total": 5}
    new = client.post("/seat-events", json=again, headers=basic()).get_json()
    assert all(new["id"] > i["id"] for i in items)
    listed = client.get("/seat-events", query_string={"customerEventId": "ce-1"}, headers=basic())
    assert [i["total"] for i in listed.get_json()["items"]] == [5]


def test_new_ids_sort_after_an_imported_future_id(client: FlaskClient) -> None:
    future = uuid7_from_parts(int(datetime(2099, 1, 1, tzinfo=timezone.utc).timestamp() * 1000), 7)
    put_state(client, document(account(A, [{**EVENT, "id": future, "total": 1}])))
    new = client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=basic()).get_json()
    assert uuid.UUID(new["id"]) > uuid.UUID(future)


def test_imported_versions_keep_the_last_by_id_effective(client: FlaskClient) -> None:
    first, last = uuid7_from_parts(1_700_000_000_000, 1), uuid7_from_parts(1_700_000_000_000, 2)
    versions = [  # document order is not id order
        {**EVENT, "id": last, "customerEventId": "ce", "total": 7},
        {**EVENT, "id": first, "customerEventId": "ce", "total": 1},
    ]
    assert put_state(client, document(account(A, versions))).status_code == 200
    assert event_ids(client) == [last]
    for version_id, total in ((first, 1), (last, 7)):
        response = client.get(f"/seat-events/{version_id}", headers=basic())
        assert response.get_json()["total"] == total


def test_a_document_with_another_account_than_asked_is_refused(populated: FlaskClient) -> None:
    response = put_state(populated, document(account(B)), accountId=A)
    assert fields_of(response) == {"accounts"}
    assert len(event_ids(populated, "other")) == 1


ONE_ID = uuid7_from_parts(1_700_000_000_000, 1)


def events_of(*changes: dict[str, Any]) -> dict[str, Any]:
    return document(account("a", [{**EVENT, "total": 1, **change} for change in changes]))


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({**document(), "format": "other"}, "format"),
        ({**document(), "version": 2}, "version"),
        ({**FORMAT}, "accounts"),
        (document(account("a"), account("a")), "accounts"),
        (events_of({"total": "3"}), "accounts.0.seatEvents.0.total"),
        (events_of({"id": "x"}), "accounts.0.seatEvents.0.id"),
        (events_of({"id": ONE_ID}, {"id": ONE_ID}), "accounts.0.seatEvents"),
        (events_of({"eventTimestamp": "yesterday"}), "accounts.0.seatEvents.0.eventTimestamp"),
    ],
)
def test_a_bad_document_is_a_400_naming_the_field(
    populated: FlaskClient, doc: dict[str, Any], field: str
) -> None:
    assert field in fields_of(put_state(populated, doc))
    assert health(populated)["counts"]["seatEvents"] == 3


def test_a_state_over_1_mib_is_accepted_where_the_product_api_says_413(client: FlaskClient) -> None:
    text = "x" * 250  # strings of a seat event hold at most 255 characters
    events = [
        {**EVENT, "customerAlias": f"{text}{n}", "seatType": text, "customerEventId": f"{text}{n}"}
        | {"total": 1}
        for n in range(1500)
    ]
    body = json.dumps(document(account(A, events)))
    assert len(body) > 1024 * 1024
    response = client.put("/_emulator/state", data=body, content_type=JSON)
    assert response.get_json() == {"accounts": 1, "seatEvents": 1500, "seatMetrics": 0, **NO_USAGE}
    too_big = client.post("/seat-events", data=body, content_type=JSON, headers=basic())
    assert too_big.status_code == 413


def test_the_control_plane_has_its_own_body_limit() -> None:
    client = create_app(Settings(validate_responses=True, max_state_bytes=2048)).test_client()
    events = [{**EVENT, "total": n} for n in range(40)]
    response = put_state(client, document(account(A, events)))
    assert response.status_code == 413
    assert response.get_json()["error"]["type"] == "PayloadTooLarge"
    assert health(client)["counts"]["seatEvents"] == 0


# --- clock ----------------------------------------------------------------------------------


@pytest.fixture
def still() -> FlaskClient:
    """An emulator whose system time stands at NOW, so a running clock can be read exactly."""
    return create_app(Settings(validate_responses=True), clock=Clock(lambda: NOW)).test_client()


def put_clock(client: FlaskClient, change: dict[str, str]) -> dict[str, Any]:
    response = client.put("/_emulator/clock", json=change)
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def test_get_clock(still: FlaskClient) -> None:
    assert still.get("/_emulator/clock").get_json() == {"now": STILL, "frozen": False}


@pytest.mark.parametrize(
    ("change", "now", "frozen"),
    [
        ({"freezeAt": "2024-06-01T12:00:00+02:00"}, "2024-06-01T10:00:00Z", True),
        ({"advance": "PT1H"}, "2024-05-01T01:00:00Z", False),
        ({"advance": "-P1D"}, "2024-04-30T00:00:00Z", False),
        ({"freezeAt": "2024-06-01T00:00:00Z", "advance": "PT1H30M"}, "2024-06-01T01:30:00Z", True),
    ],
)
def test_put_clock(still: FlaskClient, change: dict[str, str], now: str, frozen: bool) -> None:
    assert put_clock(still, change) == {"now": now, "frozen": frozen}
    assert still.get("/_emulator/clock").get_json() == {"now": now, "frozen": frozen}


def test_delete_clock_returns_to_system_time(still: FlaskClient) -> None:
    put_clock(still, {"freezeAt": "2030-01-01T00:00:00Z", "advance": "P1D"})
    assert still.delete("/_emulator/clock").get_json() == {"now": STILL, "frozen": False}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"advance": "P1M"}, "advance"),
        ({"advance": "soon"}, "advance"),
        ({"freezeAt": "yesterday"}, "freezeAt"),
        ({}, "freezeAt"),
    ],
)
def test_a_bad_clock_change_is_a_400_naming_the_field(
    still: FlaskClient, change: dict[str, str], field: str
) -> None:
    assert fields_of(still.put("/_emulator/clock", json=change)) == {field}
    assert still.get("/_emulator/clock").get_json()["frozen"] is False


def test_an_empty_clock_change_is_a_400_on_the_body(client: FlaskClient) -> None:
    assert fields_of(client.put("/_emulator/clock")) == {"body"}


def run_of_posts() -> tuple[Any, list[str]]:
    client = create_app(Settings(validate_responses=True)).test_client()
    put_clock(client, {"freezeAt": "2024-05-01T00:00:00Z"})
    for n, (alias, total) in enumerate([("acme", 3), ("bolt", 1), ("acme", 5), ("core", 2)]):
        body = {**EVENT, "customerAlias": alias, "customerEventId": f"ce-{n % 3}", "total": total}
        assert client.post("/seat-events", json=body, headers=basic()).status_code == 201
    balances = client.get("/seat-balances", headers=basic()).get_json()
    items = client.get("/seat-events", headers=basic()).get_json()["items"]
    return balances, [i["customerEventId"] for i in sorted(items, key=lambda i: i["id"])]


def test_a_frozen_clock_makes_balances_and_id_order_reproducible() -> None:
    first, second = run_of_posts(), run_of_posts()
    assert first == second
    assert first[1] == ["ce-1", "ce-2", "ce-0"]  # ce-0 was superseded last


def test_a_future_event_counts_once_the_clock_passes_it(still: FlaskClient) -> None:
    put_clock(still, {"freezeAt": "2024-05-01T00:00:00Z"})
    future = {**EVENT, "eventTimestamp": "2024-05-02T00:00:00Z", "total": 4}
    assert still.post("/seat-events", json=future, headers=basic()).status_code == 201
    assert still.get("/seat-balances", headers=basic()).get_json()["items"] == []
    put_clock(still, {"advance": "P1DT1S"})
    [item] = still.get("/seat-balances", headers=basic()).get_json()["items"]
    assert (item["legalName"], item["total"]) == ("acme", 4)


# --- the envelope on bad input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "data", "content_type", "field"),
    [
        ("PUT", "/_emulator/clock", "{", JSON, "body"),
        ("PUT", "/_emulator/clock", "x", TEXT, "Content-Type"),
        ("POST", "/_emulator/faults", '{"status": "x"}', JSON, "status"),
        ("GET", "/_emulator/requests?status=abc", None, None, "status"),
        ("GET", "/_emulator/requests?since=yesterday", None, None, "since"),
        ("POST", "/_emulator/reset?accountId=", None, None, "accountId"),
    ],
)
def test_bad_input_gets_the_validation_envelope(
    client: FlaskClient, method: str, path: str, data: str, content_type: str, field: str
) -> None:
    response = client.open(path, method=method, data=data, content_type=content_type)
    assert fields_of(response) == {field}
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path", "status", "error_type"),
    [
        ("GET", "/_emulator/nope", 404, "NotFound"),
        ("DELETE", "/_emulator/health", 405, "MethodNotAllowed"),
    ],
)
def test_unknown_paths_and_methods_get_the_envelope(
    client: FlaskClient, method: str, path: str, status: int, error_type: str
) -> None:
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.get_json()["error"]["type"] == error_type
