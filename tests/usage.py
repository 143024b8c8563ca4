"""Calls of the usage operations that the usage tests share."""

from __future__ import annotations

from typing import Any

from conftest import basic
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

# The request copied from Sequence's page for POST /usage-events.
USAGE_EXAMPLE = {
    "customerEventId": "event-id-H4twuTWpYx1rkd8OMTki2hTUcZ",
    "customerAlias": "customer-id-2H4u5BBwBWsS5V2sroRFqJfTXpW",
    "eventType": "message-sent",
    "eventTimestamp": "2022-10-01T00:00:00Z",
    "eventProperties": {"length": 500, "type": "text_message"},
}
# The request copied from Sequence's page for POST /usage-metrics (its propertyFilters: lists).
METRIC_EXAMPLE = {
    "name": "Total length of sent messages.",
    "description": "Total length of sent messages.",
    "metricType": "GROUPED",
    "eventType": "message_sent",
    "aggregationType": "COUNT",
    "aggregationProperty": "message_length",
    "groupingProperty": "channel",
    "unit": "bytes",
    "deletedAt": "2022-06-28T16:47:00Z",
    "propertyFilters": {"channels": ["text", "email"]},
    "caseSensitive": True,
    "propertiesToNegate": ["channels"],
}


def ok(response: TestResponse, status: int = 200) -> Any:
    """The JSON body of a response that must have `status`."""
    assert response.status_code == status, response.get_json()
    return response.get_json()


def problem_keys(response: TestResponse) -> set[str]:
    """The keys a 400 names."""
    assert response.status_code == 400, response.get_json()
    return {problem["key"] for problem in response.get_json()["error"]["errors"]}


def post_usage(client: FlaskClient, client_id: str = "key", **body: Any) -> TestResponse:
    """POST /usage-events with exactly `body`."""
    return client.post("/usage-events", json=body, headers=basic(client_id))


def usage_event(
    client: FlaskClient, alias: str, at: str, event_type: str = "sent", **properties: Any
) -> dict[str, Any]:
    """A stored usage event of `alias` at `at`, with `properties`."""
    body = {"customerAlias": alias, "eventType": event_type, "eventTimestamp": at}
    return ok(post_usage(client, **body, eventProperties=properties), 201)  # type: ignore[no-any-return]


def list_usage(client: FlaskClient, client_id: str = "key", **query: Any) -> TestResponse:
    """GET /usage-events with `query` (a list value repeats the parameter)."""
    return client.get("/usage-events", query_string=query, headers=basic(client_id))


def new_metric(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    """A stored usage metric: COUNT of `sent` events unless `fields` say otherwise."""
    body = {"name": "sent", "metricType": "SIMPLE", "eventType": "sent", "aggregationType": "COUNT"}
    response = client.post("/usage-metrics", json=body | fields, headers=basic())
    return ok(response, 201)  # type: ignore[no-any-return]


def calculate(
    client: FlaskClient, metric_id: str, aliases: str, start: str, end: str
) -> TestResponse:
    """GET /usage-metrics/{id}/calculate."""
    query = {"customerAliases": aliases, "periodStart": start, "periodEnd": end}
    path = f"/usage-metrics/{metric_id}/calculate"
    return client.get(path, query_string=query, headers=basic())
