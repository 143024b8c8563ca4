"""Usage metrics through HTTP: create, list, read, update, delete (BEHAVIOUR.md §12)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from conftest import basic, frozen_clock
from flask import Flask
from flask.testing import FlaskClient
from usage import METRIC_EXAMPLE, calculate, new_metric, ok, problem_keys

from emulator.domain.clock import Clock

NOW = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def clock(app: Flask) -> Clock:
    return frozen_clock(app, NOW)


def names(client: FlaskClient, **query: Any) -> list[str]:
    page = ok(client.get("/usage-metrics", query_string=query, headers=basic()))
    return [metric["name"] for metric in page["items"]]


def test_sequences_example_is_created_with_its_filter_lists(client: FlaskClient) -> None:
    metric = ok(client.post("/usage-metrics", json=METRIC_EXAMPLE, headers=basic()), 201)
    sent = {k: v for k, v in METRIC_EXAMPLE.items() if k != "deletedAt"}
    assert {key: metric[key] for key in sent} == sent
    assert (metric["createdAt"], metric["deletedAt"], metric["parameters"]) == (
        "2024-05-01T12:30:00Z",
        None,
        [],
    )
    assert ok(client.get(f"/usage-metrics/{metric['id']}", headers=basic())) == metric


def test_sum_and_unique_need_the_property_they_aggregate(client: FlaskClient) -> None:
    for aggregation in ("SUM", "UNIQUE"):
        body = METRIC_EXAMPLE | {"aggregationType": aggregation, "aggregationProperty": None}
        response = client.post("/usage-metrics", json=body, headers=basic())
        assert problem_keys(response) == {"aggregationProperty"}


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"metricType": "OTHER"}, "metricType"),
        ({"aggregationType": "MAX"}, "aggregationType"),
        ({"propertyFilters": {"channels": {"in": ["text"]}}}, "propertyFilters.channels"),
        ({"name": None}, "name"),
    ],
)
def test_a_metric_breaking_the_schema_is_a_400_naming_the_field(
    client: FlaskClient, change: dict[str, Any], key: str
) -> None:
    response = client.post("/usage-metrics", json=METRIC_EXAMPLE | change, headers=basic())
    assert key in problem_keys(response)


def test_a_name_may_repeat(client: FlaskClient) -> None:
    new_metric(client, name="same")
    new_metric(client, name="same")
    assert names(client) == ["same", "same"]


def test_put_replaces_every_field(client: FlaskClient) -> None:
    metric = new_metric(client, unit="calls", propertyFilters={"a": ["x"]})
    body = {"name": "sum", "metricType": "GROUPED", "eventType": "sent", "aggregationType": "SUM"}
    body |= {"aggregationProperty": "n"}
    changed = ok(client.put(f"/usage-metrics/{metric['id']}", json=body, headers=basic()))
    assert (changed["id"], changed["createdAt"]) == (metric["id"], metric["createdAt"])
    assert (changed["aggregationType"], changed["unit"], changed["propertyFilters"]) == (
        "SUM",
        None,
        {},
    )


def test_delete_answers_the_metric_deleted_then_it_is_gone(
    client: FlaskClient, clock: Clock
) -> None:
    metric = new_metric(client)
    clock.freeze(datetime(2024, 5, 2, tzinfo=timezone.utc))
    path = f"/usage-metrics/{metric['id']}"
    deleted = ok(client.delete(path, headers=basic()))
    assert deleted == metric | {"deletedAt": "2024-05-02T00:00:00Z"}
    assert client.get(path, headers=basic()).status_code == 404
    assert client.put(path, json=METRIC_EXAMPLE, headers=basic()).status_code == 404
    assert client.delete(path, headers=basic()).status_code == 404
    gone = calculate(client, metric["id"], "acme", "2024-01-01", "2024-12-31")
    assert gone.status_code == 404
    assert names(client) == []


def test_an_unknown_or_foreign_metric_is_404(client: FlaskClient) -> None:
    metric = new_metric(client)
    assert client.get("/usage-metrics/nope", headers=basic()).status_code == 404
    assert client.get(f"/usage-metrics/{metric['id']}", headers=basic("other")).status_code == 404


def test_the_list_filters_as_sequence_names_them(client: FlaskClient) -> None:
    first = new_metric(client, name="Messages Sent", eventType="message")
    unique = {"aggregationType": "UNIQUE", "aggregationProperty": "user"}
    new_metric(client, name="API calls", eventType="call", **unique)
    new_metric(client, name="bytes_100%", aggregationType="SUM", aggregationProperty="size")
    assert names(client, name="SENT") == ["Messages Sent"]
    assert names(client, name="_1") == ["bytes_100%"]  # _ and % are not wildcards
    assert names(client, name="s%0") == []  # as a wildcard, % would match "s_10"
    assert names(client, id=first["id"][-12:].upper()) == ["Messages Sent"]
    assert names(client, eventType="call,message") == ["API calls", "Messages Sent"]
    assert names(client, eventProperty="size,user") == ["bytes_100%", "API calls"]
    assert names(client, aggregationType="UNIQUE,SUM") == ["bytes_100%", "API calls"]


def test_metrics_page_newest_first(client: FlaskClient) -> None:
    for index in range(3):
        new_metric(client, name=f"m{index}")
    first = ok(client.get("/usage-metrics", query_string={"limit": 2}, headers=basic()))
    assert [m["name"] for m in first["items"]] == ["m2", "m1"]
    rest = {"limit": 2, "after": first["pagination"]["after"]}
    second = ok(client.get("/usage-metrics", query_string=rest, headers=basic()))
    assert [m["name"] for m in second["items"]] == ["m0"]
    assert second["pagination"]["after"] is None
