"""Seat metrics through HTTP: create, list, read, update, delete (BEHAVIOUR.md §7)."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import SEQUENCE_EXAMPLE, basic, frozen_clock
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from emulator.domain.clock import Clock
from emulator.domain.timestamps import parse_timestamp

NOW = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)
FIELDS = {"id", "seatType", "label", "description", "createdBy", "createdAt", "updatedAt"}


@pytest.fixture(autouse=True)
def clock(app: Flask) -> Clock:
    return frozen_clock(app, NOW)


def create(
    client: FlaskClient, client_id: str = "key", path: str = "/seat-metrics", **body: Any
) -> TestResponse:
    return client.post(path, json=body, headers=basic(client_id))


def created(client: FlaskClient, seat_type: str = "admin", **body: Any) -> dict[str, Any]:
    response = create(client, seatType=seat_type, label=f"{seat_type} seats", **body)
    assert response.status_code == 201, response.get_json()
    metric: dict[str, Any] = response.get_json()
    return metric


def get(client: FlaskClient, metric_id: str, client_id: str = "key") -> TestResponse:
    return client.get(f"/seat-metrics/{metric_id}", headers=basic(client_id))


def put(client: FlaskClient, metric_id: str, **body: Any) -> TestResponse:
    return client.put(f"/seat-metrics/{metric_id}", json=body, headers=basic())


def delete(client: FlaskClient, metric_id: str) -> TestResponse:
    return client.delete(f"/seat-metrics/{metric_id}", headers=basic())


def list_metrics(client: FlaskClient, client_id: str = "key", **query: Any) -> TestResponse:
    return client.get("/seat-metrics", query_string=query, headers=basic(client_id))


def page(client: FlaskClient, **query: Any) -> dict[str, Any]:
    response = list_metrics(client, **query)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def page_ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


def error_fields(response: TestResponse) -> set[str]:
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["type"] == "validationError"
    return {detail["key"] for detail in response.get_json()["error"]["errors"]}


def assert_not_found(response: TestResponse) -> None:
    assert response.status_code == 404
    assert response.get_json()["error"]["type"] == "NotFound"


def instant(text: str) -> datetime:
    assert text.endswith("Z"), text
    return parse_timestamp(text)


def one_per_second(client: FlaskClient, clock: Clock, count: int) -> list[str]:
    """Create `count` metrics a second apart; their ids, oldest first."""
    ids = []
    for n in range(count):
        clock.advance(timedelta(seconds=1))
        ids.append(created(client, f"seat-{n}")["id"])
    return ids


@pytest.mark.parametrize("path", ["/seat-metrics", "/api/seat-metrics"])
def test_a_created_metric_has_every_field(client: FlaskClient, path: str) -> None:
    response = create(client, path=path, seatType="admin", label="Admin seats")
    assert response.status_code == 201
    metric = response.get_json()
    assert set(metric) == FIELDS
    assert uuid.UUID(metric["id"]).version == 7
    assert metric["seatType"] == "admin"
    assert metric["label"] == "Admin seats"
    assert metric["description"] is None
    assert metric["createdBy"] is None
    assert instant(metric["createdAt"]) == NOW
    assert metric["updatedAt"] == metric["createdAt"]


def test_a_description_is_kept(client: FlaskClient) -> None:
    metric = created(client, description="People who manage the workspace")
    assert metric["description"] == "People who manage the workspace"
    assert get(client, metric["id"]).get_json() == metric


def test_a_seat_type_is_unique_per_account(client: FlaskClient) -> None:
    created(client, "admin")
    duplicate = create(client, seatType="admin", label="Another label")
    assert "seatType" in error_fields(duplicate)
    assert create(client, client_id="other", seatType="admin", label="x").status_code == 201
    assert page(client)["pagination"]["totalResultSize"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"seatType": "admin"}, "label"),
        ({"label": "Admin seats"}, "seatType"),
        ({"seatType": "admin", "label": ""}, "label"),
    ],
)
def test_a_bad_create_body_is_a_400_naming_the_field(
    client: FlaskClient, body: dict[str, str], field: str
) -> None:
    assert field in error_fields(create(client, **body))
    assert page(client)["items"] == []


def test_a_metric_is_read_by_its_id(client: FlaskClient) -> None:
    metric = created(client, "admin")
    created(client, "viewer")
    response = client.get(f"/api/seat-metrics/{metric['id']}", headers=basic())
    assert response.status_code == 200
    assert response.get_json() == metric


def test_an_unknown_or_foreign_id_is_404(client: FlaskClient) -> None:
    theirs = created(client)
    assert_not_found(get(client, str(uuid.uuid4())))
    assert_not_found(get(client, "not-a-uuid"))
    assert_not_found(get(client, theirs["id"], client_id="other"))


def test_the_list_is_newest_first(client: FlaskClient, clock: Clock) -> None:
    ids = one_per_second(client, clock, 3)
    body = page(client)
    assert page_ids(body) == ids[::-1]
    assert body["pagination"] == {"after": None, "before": None, "totalResultSize": 3}


def test_the_list_limit_defaults_to_20(client: FlaskClient, clock: Clock) -> None:
    ids = one_per_second(client, clock, 21)
    body = page(client)
    assert page_ids(body) == ids[::-1][:20]
    assert body["pagination"]["totalResultSize"] == 21
    assert body["pagination"]["before"] is None


def test_paging_forward_then_backward_visits_the_same_metrics(
    client: FlaskClient, clock: Clock
) -> None:
    ids = one_per_second(client, clock, 7)
    forward = [page(client, limit=3)]
    while forward[-1]["pagination"]["after"] is not None and len(forward) < 10:
        forward.append(page(client, limit=3, after=forward[-1]["pagination"]["after"]))
    assert [page_ids(p) for p in forward] == [ids[6:3:-1], ids[3:0:-1], ids[:1]]
    assert all(p["pagination"]["totalResultSize"] == 7 for p in forward)
    middle = page(client, limit=3, before=forward[2]["pagination"]["before"])
    assert page_ids(middle) == page_ids(forward[1])
    first = page(client, limit=3, before=middle["pagination"]["before"])
    assert page_ids(first) == page_ids(forward[0])
    assert first["pagination"]["before"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"after": "!!!"}, "after"),
        ({"after": base64.b64encode(b"garbage").decode()}, "after"),
        ({"before": "!!!"}, "before"),
    ],
)
def test_a_bad_list_parameter_is_a_400_naming_it(
    client: FlaskClient, query: dict[str, Any], field: str
) -> None:
    created(client)
    assert field in error_fields(list_metrics(client, **query))


def test_another_account_lists_none_of_these_metrics(client: FlaskClient) -> None:
    created(client, "admin")
    assert page(client, client_id="other")["items"] == []
    assert page(client, client_id="other")["pagination"]["totalResultSize"] == 0


def test_put_replaces_label_and_description_and_moves_updated_at(
    client: FlaskClient, clock: Clock
) -> None:
    metric = created(client, description="old")
    clock.advance(timedelta(minutes=5))
    response = put(client, metric["id"], label="Administrators", description="new")
    assert response.status_code == 200
    updated = response.get_json()
    assert updated == {
        **metric,
        "label": "Administrators",
        "description": "new",
        "updatedAt": updated["updatedAt"],
    }
    assert instant(updated["updatedAt"]) == NOW + timedelta(minutes=5)
    assert instant(updated["createdAt"]) == NOW
    assert get(client, metric["id"]).get_json() == updated


@pytest.mark.parametrize("body", [{"label": "Renamed"}, {"label": "Renamed", "description": None}])
def test_put_without_a_description_clears_it(client: FlaskClient, body: dict[str, Any]) -> None:
    metric = created(client, description="to be cleared")
    response = put(client, metric["id"], **body)
    assert response.status_code == 200
    assert response.get_json()["description"] is None
    assert response.get_json()["label"] == "Renamed"


def test_put_cannot_change_the_seat_type(client: FlaskClient) -> None:
    metric = created(client, "admin")
    response = put(client, metric["id"], label="x", seatType="viewer")
    assert "seatType" in error_fields(response)
    assert get(client, metric["id"]).get_json() == metric


def test_put_with_the_same_seat_type_is_accepted(client: FlaskClient) -> None:
    metric = created(client, "admin")
    response = put(client, metric["id"], label="Admins", seatType="admin")
    assert response.status_code == 200
    assert response.get_json()["seatType"] == "admin"
    assert response.get_json()["label"] == "Admins"


def test_put_without_a_label_is_a_400(client: FlaskClient) -> None:
    metric = created(client)
    assert "label" in error_fields(put(client, metric["id"], description="d"))


def test_put_on_an_unknown_id_is_404(client: FlaskClient) -> None:
    assert_not_found(put(client, str(uuid.uuid4()), label="x"))


def test_delete_returns_the_metric_and_removes_it(client: FlaskClient) -> None:
    metric = created(client, "admin")
    kept = created(client, "viewer")
    response = delete(client, metric["id"])
    assert response.status_code == 200
    assert response.get_json() == metric
    assert_not_found(get(client, metric["id"]))
    assert page_ids(page(client)) == [kept["id"]]
    assert_not_found(delete(client, metric["id"]))


def test_a_deleted_seat_type_can_be_created_again(client: FlaskClient) -> None:
    metric = created(client, "admin")
    delete(client, metric["id"])
    again = created(client, "admin")
    assert again["id"] != metric["id"]


def test_delete_on_an_unknown_id_is_404(client: FlaskClient) -> None:
    assert_not_found(delete(client, str(uuid.uuid4())))


def test_events_may_name_a_seat_type_without_a_metric(client: FlaskClient) -> None:
    body = {**SEQUENCE_EXAMPLE, "seatType": "nobody-defined-this"}
    assert client.post("/seat-events", json=body, headers=basic()).status_code == 201
    assert page(client)["items"] == []
