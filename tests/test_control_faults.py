"""Fault and latency rules and the Emulator-Fault header, over HTTP."""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest
from conftest import SEQUENCE_EXAMPLE, PostEvent, basic
from flask import Flask
from flask.testing import FlaskClient

from emulator.app import create_app
from emulator.config import Settings
from emulator.domain.accounts import derived_account_id
from emulator.http.context import EXTENSION
from emulator.server import EmulatorServer


def stored(app: Flask) -> int:
    return app.extensions[EXTENSION].store.count_seat_events()  # type: ignore[no-any-return]


def add_rule(client: FlaskClient, **rule: Any) -> dict[str, Any]:
    response = client.post("/_emulator/faults", json=rule)
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def rules(client: FlaskClient) -> list[dict[str, Any]]:
    return client.get("/_emulator/faults").get_json()["items"]  # type: ignore[no-any-return]


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds the emulator was asked to sleep; nothing really waits."""
    asked: list[float] = []
    monkeypatch.setattr("emulator.http.faults.time.sleep", asked.append)
    return asked


def test_a_rule_is_answered_with_every_field(client: FlaskClient) -> None:
    rule = add_rule(client, status=503, count=2)
    assert rule["id"] and rule["status"] == 503
    assert all(rule[k] is None for k in ("method", "path", "accountId", "header", "retryAfter"))
    assert (rule["delayMs"], rule["drop"], rule["probability"]) == (0, False, 1.0)
    assert (rule["remaining"], rule["fired"]) == (2, 0)
    assert rules(client) == [rule]


def test_count_two_fails_exactly_two_requests_then_stops(
    app: Flask, client: FlaskClient, post_event: PostEvent
) -> None:
    add_rule(client, status=503, count=2)
    statuses = [post_event(total=n).status_code for n in range(4)]
    assert statuses == [503, 503, 201, 201]
    [rule] = rules(client)
    assert (rule["remaining"], rule["fired"]) == (0, 2)
    assert stored(app) == 2


def test_a_faulted_request_stores_nothing_and_answers_in_the_envelope(
    app: Flask, client: FlaskClient, post_event: PostEvent
) -> None:
    add_rule(client, status=500)
    response = post_event()
    assert response.status_code == 500
    assert response.get_json()["error"]["type"] == "InternalError"
    assert stored(app) == 0
    assert client.get("/_emulator/state").get_json()["accounts"] == []


@pytest.mark.parametrize(
    ("rule", "hit", "missed"),
    [
        ({"path": "/seat-*"}, ("GET", "/seat-balances"), ("GET", "/no-such-path")),
        ({"path": "/seat-events"}, ("GET", "/api/seat-events"), ("GET", "/seat-metrics")),
        ({"path": "/seat-events/*"}, ("GET", "/seat-events/x"), ("GET", "/seat-events")),
        ({"method": "GET"}, ("GET", "/seat-events"), ("POST", "/seat-metrics")),
        (
            {"method": "POST", "path": "/seat-metrics"},
            ("POST", "/seat-metrics"),
            ("GET", "/seat-metrics"),
        ),
    ],
)
def test_a_rule_matches_by_method_and_path_glob(
    client: FlaskClient, rule: dict[str, str], hit: tuple[str, str], missed: tuple[str, str]
) -> None:
    add_rule(client, status=503, **rule)
    body = {"seatType": "admin", "label": "Admins"}
    for (method, path), faulted in ((hit, True), (missed, False)):
        kwargs = {"json": body} if method == "POST" else {}
        response = client.open(path, method=method, headers=basic(), **kwargs)
        assert (response.status_code == 503) is faulted, (method, path, response.status_code)


def test_a_rule_for_one_account_leaves_another_alone(
    client: FlaskClient, post_event: PostEvent
) -> None:
    add_rule(client, status=503, accountId=derived_account_id("key"))
    assert post_event("key").status_code == 503
    assert post_event("other").status_code == 201


def test_a_rule_can_wait_for_a_header(client: FlaskClient) -> None:
    add_rule(client, status=503, header={"name": "X-Scenario", "value": "outage"})

    def post(**headers: str) -> int:
        return client.post(
            "/seat-events", json=SEQUENCE_EXAMPLE, headers=basic() | headers
        ).status_code

    assert post(**{"X-Scenario": "outage"}) == 503
    assert post(**{"X-Scenario": "calm"}) == 201
    assert post() == 201


def test_a_header_rule_matches_whatever_the_case_of_the_header_name(client: FlaskClient) -> None:
    add_rule(client, status=503, header={"name": "x-scenario", "value": "outage"})
    headers = basic() | {"X-Scenario": "outage"}
    assert client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=headers).status_code == 503


def test_probability_zero_never_fires(client: FlaskClient, post_event: PostEvent) -> None:
    add_rule(client, status=500, probability=0)
    assert {post_event(total=n).status_code for n in range(20)} == {201}
    assert rules(client)[0]["fired"] == 0


@pytest.mark.parametrize(("given", "header"), [({}, "1"), ({"retryAfter": 7}, "7")])
def test_a_429_rule_sends_retry_after(
    client: FlaskClient, post_event: PostEvent, given: dict[str, int], header: str
) -> None:
    rule = add_rule(client, status=429, **given)
    assert rule["retryAfter"] == int(header)
    response = post_event()
    assert response.status_code == 429
    assert response.headers["Retry-After"] == header
    assert response.get_json()["error"]["type"] == "RateLimited"


def test_a_delay_rule_delays_then_serves(
    app: Flask, client: FlaskClient, post_event: PostEvent, sleeps: list[float]
) -> None:
    add_rule(client, delayMs=250, count=1)
    assert post_event().status_code == 201
    assert post_event(total=2).status_code == 201
    assert sleeps == [0.25]
    assert stored(app) == 2


def test_a_delay_then_a_status(
    client: FlaskClient, post_event: PostEvent, sleeps: list[float]
) -> None:
    add_rule(client, delayMs=100, status=503)
    assert post_event().status_code == 503
    assert sleeps == [0.1]


def test_deleting_one_rule(client: FlaskClient, post_event: PostEvent) -> None:
    rule = add_rule(client, status=503)
    kept = add_rule(client, status=500, path="/nowhere")
    response = client.delete(f"/_emulator/faults/{rule['id']}")
    assert (response.status_code, response.get_json()["id"]) == (200, rule["id"])
    assert rules(client) == [kept]
    assert post_event().status_code == 201


def test_deleting_an_unknown_rule_is_404(client: FlaskClient) -> None:
    response = client.delete("/_emulator/faults/no-such-rule")
    assert response.status_code == 404
    assert response.get_json()["error"]["type"] == "NotFound"


def test_deleting_every_rule(client: FlaskClient, post_event: PostEvent) -> None:
    add_rule(client, status=503)
    add_rule(client, status=500)
    assert client.delete("/_emulator/faults").get_json() == {"cleared": 2}
    assert rules(client) == []
    assert post_event().status_code == 201


def test_rules_never_touch_the_control_plane(client: FlaskClient) -> None:
    add_rule(client, status=503)
    add_rule(client, drop=True, path="/_emulator/*")
    assert client.get("/_emulator/health").status_code == 200
    assert client.delete("/_emulator/faults").status_code == 200


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({}, "status"),
        ({"path": "/seat-events"}, "status"),
        ({"status": 500, "drop": True}, "drop"),
        ({"status": 200}, "status"),
        ({"status": 600}, "status"),
        ({"status": 500, "probability": 2}, "probability"),
        ({"status": 500, "count": 0}, "count"),
        ({"status": 500, "method": "PATCH"}, "method"),
        ({"delayMs": 60001}, "delayMs"),
        ({"status": 500, "header": {"name": "X-A"}}, "header.value"),
    ],
)
def test_a_bad_rule_is_a_400_naming_the_field(
    client: FlaskClient, rule: dict[str, Any], field: str
) -> None:
    response = client.post("/_emulator/faults", json=rule)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["type"] == "validationError"
    assert field in {d["key"] for d in error["errors"]}
    assert rules(client) == []


# --- the Emulator-Fault header --------------------------------------------------------------


def faulted(client: FlaskClient, value: str) -> Any:
    headers = basic() | {"Emulator-Fault": value}
    return client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=headers)


@pytest.mark.parametrize(("value", "status"), [("500", 500), ("503", 503), ("429", 429)])
def test_the_fault_header_answers_that_status(
    app: Flask, client: FlaskClient, value: str, status: int
) -> None:
    response = faulted(client, value)
    assert response.status_code == status
    assert "error" in response.get_json()
    assert (response.headers.get("Retry-After") == "1") is (status == 429)
    assert stored(app) == 0


def test_the_fault_header_delays_one_request(
    app: Flask, client: FlaskClient, sleeps: list[float]
) -> None:
    assert faulted(client, "delay=5").status_code == 201
    assert sleeps == [0.005]
    assert stored(app) == 1


def test_the_fault_header_delay_may_reach_a_rules_cap(
    client: FlaskClient, sleeps: list[float]
) -> None:
    assert faulted(client, "delay=60000").status_code == 201
    assert faulted(client, "DELAY=0").status_code == 201
    assert sleeps == [60.0]


def test_the_fault_header_drop_stores_nothing(app: Flask, client: FlaskClient) -> None:
    faulted(client, "drop")
    assert stored(app) == 0


OUT_OF_BOUNDS = [
    "delay=60001",  # beyond a rule's delayMs cap
    "delay=" + "9" * 400,  # time.sleep would overflow
    "delay=-5",
    "delay=nan",
    "delay=inf",
    "delay=1e3",
    "delay=\u0663\u0660",  # Arabic-Indic digits: not ASCII
    "delay=\u00b2",  # a superscript two, which str.isdigit() admits and int() refuses
    "\u0665\u0660\u0663",
    "5" * 4000,
    "delay= 5",
]


@pytest.mark.parametrize("value", ["teapot", "200", "delay=soon", *OUT_OF_BOUNDS])
def test_a_fault_header_it_does_not_understand_is_a_400(
    app: Flask, client: FlaskClient, value: str, sleeps: list[float]
) -> None:
    response = faulted(client, value)
    assert sleeps == []
    assert response.status_code == 400
    assert [d["key"] for d in response.get_json()["error"]["errors"]] == ["Emulator-Fault"]
    assert stored(app) == 0


def test_the_fault_header_comes_after_credentials(client: FlaskClient) -> None:
    headers = {"Emulator-Fault": "503"}
    assert client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=headers).status_code == 401


# --- a dropped connection, on a real socket -------------------------------------------------


def send(port: int, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        data = None if body is None else json.dumps(body)
        headers = basic() | ({"Content-Type": "application/json"} if data else {})
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_drop_rule_closes_the_connection_without_an_answer() -> None:
    app = create_app(Settings(validate_responses=True))
    with EmulatorServer(app, port=0) as server:
        assert send(server.port, "POST", "/_emulator/faults", {"drop": True, "count": 1})[0] == 201
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            send(server.port, "POST", "/seat-events", SEQUENCE_EXAMPLE)
        status, health = send(server.port, "GET", "/_emulator/health")
        assert (status, health["counts"]["seatEvents"]) == (200, 0)
        assert send(server.port, "POST", "/seat-events", SEQUENCE_EXAMPLE)[0] == 201
