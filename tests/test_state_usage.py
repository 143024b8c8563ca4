"""Usage events and metrics in the state document: export, import, seed, reset and health
counts (BEHAVIOUR.md §9, §12)."""

from __future__ import annotations

from typing import Any

from conftest import basic
from flask import Flask
from flask.testing import FlaskClient
from usage import calculate, list_usage, new_metric, ok, post_usage

from emulator.app import create_app
from emulator.config import Settings
from emulator.domain.accounts import derived_account_id

ACCOUNT = derived_account_id("key")
APRIL = ("2024-04-01", "2024-04-30")
BODY = {"customerAlias": "acme", "eventType": "sent", "eventTimestamp": "2024-04-02"}


def populate(client: FlaskClient) -> dict[str, Any]:
    ok(post_usage(client, **BODY, customerEventId="k", eventProperties={"n": 1}), 201)
    ok(post_usage(client, **BODY, customerEventId="k", eventProperties={"n": 2}), 201)
    gone = new_metric(client, name="gone")
    ok(client.delete(f"/usage-metrics/{gone['id']}", headers=basic()))
    return new_metric(client, aggregationType="SUM", aggregationProperty="n")


def test_export_keeps_every_version_and_deleted_metrics_and_imports_unchanged(
    client: FlaskClient,
) -> None:
    metric = populate(client)
    exported = ok(client.get("/_emulator/state"))
    (account,) = exported["accounts"]
    assert [e["eventProperties"] for e in account["usageEvents"]] == [{"n": 1}, {"n": 2}]
    assert [(m["name"], m["deletedAt"] is None) for m in account["usageMetrics"]] == [
        ("gone", False),
        ("sent", True),
    ]
    fresh: Flask = create_app(Settings(validate_responses=True))
    try:
        other = fresh.test_client()
        summary = ok(other.put("/_emulator/state", json=exported))
        assert (summary["usageEvents"], summary["usageMetrics"]) == (2, 2)
        assert ok(other.get("/_emulator/state")) == exported
        assert ok(calculate(other, metric["id"], "acme", *APRIL))["value"] == 2
        counts = ok(other.get("/_emulator/health"))["counts"]
        assert (counts["usageEvents"], counts["usageMetrics"]) == (2, 1)
        counted = ok(calculate(other, new_metric(other)["id"], "acme", *APRIL))  # by day
        assert (counted["value"], counted["maxEventId"]) == (1, account["usageEvents"][1]["id"])
    finally:
        fresh.extensions["sequence_emulator"].close()


def document(**fields: Any) -> dict[str, Any]:
    account = {"id": ACCOUNT, "seatEvents": [], "seatMetrics": []} | fields
    return {"format": "sequence-emulator-state", "version": 1, "accounts": [account]}


def test_a_hand_written_seed_gets_ids_and_its_last_version_counts(client: FlaskClient) -> None:
    seed = document(
        usageEvents=[
            BODY | {"customerEventId": "k", "eventProperties": {"n": 3}},
            BODY | {"customerEventId": "k", "eventProperties": {"n": 4}},
            BODY,
        ],
        usageMetrics=[
            {"name": "n", "metricType": "SIMPLE", "eventType": "sent"}
            | {"aggregationType": "SUM", "aggregationProperty": "n"}
        ],
    )
    ok(client.put("/_emulator/state", json=seed))
    listed = ok(list_usage(client))["items"]
    assert [e["eventProperties"] for e in listed] == [{}, {"n": 4}]
    (metric,) = ok(client.get("/usage-metrics", headers=basic()))["items"]
    assert ok(calculate(client, metric["id"], "acme", *APRIL))["value"] == 4


def test_a_seed_breaking_a_metric_rule_is_refused_naming_it(client: FlaskClient) -> None:
    bad = {"name": "n", "metricType": "SIMPLE", "eventType": "sent", "aggregationType": "SUM"}
    response = client.put("/_emulator/state", json=document(usageMetrics=[bad]))
    assert response.status_code == 400
    keys = {problem["key"] for problem in response.get_json()["error"]["errors"]}
    assert keys == {"accounts.0.usageMetrics.0.aggregationProperty"}


def test_reset_of_one_account_forgets_its_usage(client: FlaskClient) -> None:
    populate(client)
    ok(post_usage(client, "other", **BODY), 201)
    ok(client.post("/_emulator/reset", query_string={"accountId": ACCOUNT}))
    assert ok(list_usage(client))["items"] == []
    assert ok(client.get("/usage-metrics", headers=basic()))["items"] == []
    assert len(ok(list_usage(client, "other"))["items"]) == 1
