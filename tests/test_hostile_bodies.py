"""Bodies no parser should trust: deep nesting and non-standard numbers (BEHAVIOUR.md §2-§3)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import SEQUENCE_EXAMPLE, basic
from flask import Flask
from flask.testing import FlaskClient

from emulator.domain.jsontext import MAX_DEPTH, depth, strict_loads
from emulator.http.context import EXTENSION

JSON = {"Content-Type": "application/json"}


def nested(levels: int, opening: str = "[") -> str:
    """`levels` arrays (or objects) in one another."""
    if opening == "[":
        return "[" * levels + "]" * levels
    return '{"a":' * (levels - 1) + "{}" + "}" * (levels - 1)


def event_with(extra: str) -> str:
    """The example event with one more field holding `extra` as raw JSON text."""
    return json.dumps(SEQUENCE_EXAMPLE)[:-1] + f', "extra": {extra}}}'


def stored(app: Flask) -> int:
    return app.extensions[EXTENSION].store.count_seat_events()  # type: ignore[no-any-return]


def strict_journal(client: FlaskClient) -> list[dict[str, Any]]:
    """The journal listing, parsed as strict JSON: a bare NaN fails the test."""
    response = client.get("/_emulator/requests")
    assert response.status_code == 200
    assert response.content_type.startswith("application/json")

    def refuse(name: str) -> None:
        raise AssertionError(f"the journal emitted {name}")

    listing = json.loads(response.get_data(as_text=True), parse_constant=refuse)
    return listing["items"]  # type: ignore[no-any-return]


def assert_refused_body(response: Any, words: str) -> None:
    assert response.status_code == 400, response.get_data()
    error = response.get_json()["error"]
    assert error["type"] == "validationError"
    assert [problem["key"] for problem in error["errors"]] == ["body"]
    assert words in error["errors"][0]["message"]


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 1000, 5000, 100_000])
@pytest.mark.parametrize("opening", ["[", "{"])
def test_a_body_nested_too_deep_is_a_400_and_the_journal_still_lists(
    app: Flask, client: FlaskClient, levels: int, opening: str
) -> None:
    body = event_with(nested(levels - 1, opening))  # the event itself is the outermost level
    response = client.post("/seat-events", data=body, headers=basic() | JSON)
    assert_refused_body(response, f"deeper than {MAX_DEPTH} levels")
    assert stored(app) == 0
    [entry] = strict_journal(client)
    assert entry["status"] == 400
    assert isinstance(entry["body"], str) or entry["bodyTruncated"]


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/_emulator/faults"), ("PUT", "/_emulator/state")]
)
def test_the_control_plane_refuses_deep_bodies_too(
    client: FlaskClient, method: str, path: str
) -> None:
    for levels in (MAX_DEPTH + 1, 3000, 100_000):
        response = client.open(path, method=method, data=nested(levels), headers=JSON)
        assert_refused_body(response, "deeper than")
    assert client.get("/_emulator/state").status_code == 200


def test_a_body_exactly_at_the_depth_limit_is_served(app: Flask, client: FlaskClient) -> None:
    body = event_with(nested(MAX_DEPTH - 1, "{"))
    assert client.post("/seat-events", data=body, headers=basic() | JSON).status_code == 201
    [entry] = strict_journal(client)
    assert depth(entry["body"]) == MAX_DEPTH


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "[NaN]", '{"x": Infinity}'])
def test_nan_and_infinity_are_not_json_numbers(app: Flask, client: FlaskClient, token: str) -> None:
    response = client.post("/seat-events", data=event_with(token), headers=basic() | JSON)
    assert_refused_body(response, "is not a JSON number")
    assert stored(app) == 0
    [entry] = strict_journal(client)
    assert entry["body"] == event_with(token)  # kept as the text that was sent


def test_nan_as_a_value_the_schema_checks_is_refused(app: Flask, client: FlaskClient) -> None:
    body = json.dumps(SEQUENCE_EXAMPLE).replace('"total": 1', '"total": NaN')
    assert_refused_body(client.post("/seat-events", data=body, headers=basic() | JSON), "NaN")
    faults = client.post("/_emulator/faults", data='{"delayMs": NaN}', headers=JSON)
    assert_refused_body(faults, "NaN")
    assert stored(app) == 0


def test_strict_loads_accepts_what_json_accepts_within_the_limit() -> None:
    assert strict_loads(b'{"a": [1, 2.5, "[[[{{{"], "b": null}') == {
        "a": [1, 2.5, "[[[{{{"],
        "b": None,
    }
    assert strict_loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(ValueError, match="deeper"):
        strict_loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
