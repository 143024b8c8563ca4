"""The compiled fast path never accepts what openapi-core refuses, and accepts what it accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask, request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.app import create_app
from emulator.config import Settings
from emulator.http.pipeline import read_json_body
from emulator.http.validation import OpenApiValidator
from emulator.spec import CONTROL_DOCUMENT, PRODUCT_DOCUMENT, load_document

AUTH = "Basic a2V5OnNlY3JldA=="
EVENT = {
    "customerEventId": "e1",
    "customerAlias": "acme",
    "seatType": "admin",
    "eventTimestamp": "2024-04-18T00:00:00Z",
    "total": 12,
}

APP = create_app(Settings())
VALIDATORS = {
    "product": OpenApiValidator(load_document(PRODUCT_DOCUMENT)),
    "control": OpenApiValidator(load_document(CONTROL_DOCUMENT)),
}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 2**32)
    | st.floats(allow_nan=False)
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
timestamps = st.sampled_from(["2024-04-18", "2024-04-18T00:00:00Z", "not a date", "2024-02-30", ""])


@st.composite
def seat_event_bodies(draw: st.DrawFn) -> Any:
    """Mostly near-valid seat events: fields dropped, retyped, nulled, or added."""
    body: dict[str, Any] = dict(EVENT)
    for name in list(body):
        choice = draw(st.integers(0, 9))
        if choice == 0:
            del body[name]
        elif choice == 1:
            body[name] = draw(json_values)
        elif choice == 2:
            body[name] = None
    if draw(st.booleans()):
        body["eventTimestamp"] = draw(timestamps)
    if draw(st.booleans()):
        body["total"] = draw(st.sampled_from([0, 1, -1, 2.0, True, "3", 2**31 - 1, 2**31]))
    if draw(st.integers(0, 4)) == 0:
        body[draw(st.text(max_size=5))] = draw(json_values)
    return body if draw(st.integers(0, 15)) else draw(json_values)


query_values = st.sampled_from(
    ["", "1", "20", "0", "101", "abc", "true", "x,y", "2024-04-18", "-5"]
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, str], dict[str, str], Any]:
    """A method, path, headers, query and (maybe) JSON body for one operation."""
    method, path, params, body_kind = draw(st.sampled_from(OPERATIONS))
    headers = {}
    if draw(st.integers(0, 5)):
        printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=8)
        headers["Authorization"] = AUTH if draw(st.integers(0, 4)) else draw(printable)
    version = draw(st.sampled_from([None, "2024-07-30", "2023-01-01"]))
    if version:
        headers["Sequence-Version"] = version
    query = {name: draw(query_values) for name in params if draw(st.booleans())}
    if draw(st.integers(0, 6)) == 0:
        query["unknown"] = "x"
    body = draw(BODIES[body_kind]) if body_kind else None
    return method, path, headers, query, body


OPERATIONS = [
    ("POST", "/seat-events", [], "event"),
    ("POST", "/api/seat-events", [], "event"),
    ("GET", "/seat-events", ["limit", "after", "sortBy", "seatType", "eventTimestampAfter"], None),
    ("GET", "/seat-events/some-id", [], None),
    ("GET", "/seat-balances", ["excludeZeroQuantity", "customerIds"], None),
    ("GET", "/seat-metrics", ["limit", "before"], None),
    ("POST", "/seat-metrics", [], "metric"),
    ("PUT", "/seat-metrics/x", [], "metric"),
    ("DELETE", "/seat-metrics/x", [], None),
    ("POST", "/usage-events", [], "usage_event"),
    ("GET", "/usage-events", ["limit", "offset", "customerAlias", "unmappedAliasesOnly"], None),
    ("POST", "/usage-metrics", [], "usage_metric"),
    ("PUT", "/usage-metrics/x", [], "usage_metric"),
    ("GET", "/usage-metrics/x/calculate", ["customerAliases", "periodStart", "periodEnd"], None),
    ("GET", "/_emulator/requests", ["status", "since", "method"], None),
    ("POST", "/_emulator/reset", ["accountId"], None),
    ("PUT", "/_emulator/clock", [], "clock"),
    ("POST", "/_emulator/faults", [], "fault"),
]
SOME_JSON = st.sampled_from([None, "x", 1, 2.5, True, [], ["a", 1], {}, {"a": {"b": [1]}}])
BODIES = {
    "event": seat_event_bodies(),
    "usage_event": st.fixed_dictionaries(
        {},
        optional={
            "customerAlias": st.sampled_from(["acme", "", None, 3]),
            "eventType": st.sampled_from(["sent", "", None]),
            "customerEventId": st.sampled_from(["k", "", None]),
            "eventTimestamp": st.one_of(timestamps, st.none()),
            "eventProperties": st.one_of(
                st.dictionaries(st.text(max_size=3), SOME_JSON), SOME_JSON
            ),
        },
    ),
    "usage_metric": st.fixed_dictionaries(
        {},
        optional={
            "name": st.sampled_from(["m", "", None]),
            "metricType": st.sampled_from(["SIMPLE", "GROUPED", "OTHER"]),
            "eventType": st.sampled_from(["sent", ""]),
            "aggregationType": st.sampled_from(["COUNT", "SUM", "UNIQUE", "CUSTOM", "MAX"]),
            "aggregationProperty": st.sampled_from(["n", None, 1]),
            "propertyFilters": st.sampled_from(
                [{}, {"c": ["a", 1]}, {"c": {"in": ["a"]}}, {"c": "a"}, None, []]
            ),
            "caseSensitive": st.sampled_from([True, None, "yes"]),
            "propertiesToNegate": st.sampled_from([["c"], None, "c", [1]]),
        },
    ),
    "metric": st.fixed_dictionaries(
        {"label": st.sampled_from(["Admins", "", 3]), "seatType": st.sampled_from(["admin", None])},
        optional={"description": st.sampled_from(["x", None, 1])},
    ),
    "clock": st.fixed_dictionaries(
        {}, optional={"freezeAt": timestamps, "advance": st.sampled_from(["PT1H", "P", 5])}
    ),
    "fault": st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from([500, 200, "503"]),
            "probability": st.sampled_from([0.5, 2, None]),
            "method": st.sampled_from(["GET", "PATCH"]),
            "header": st.sampled_from([{"name": "a", "value": "b"}, {"name": "a"}]),
        },
    ),
}


def verdicts(
    app: Flask, call: tuple[str, str, dict[str, str], dict[str, str], Any]
) -> tuple[bool, list[Any]]:
    """The fast path's verdict and openapi-core's problems for one request."""
    method, path, headers, query, body = call
    data = None if body is None else json.dumps(body)
    context = app.test_request_context(
        path,
        method=method,
        headers=headers,
        query_string=query,
        data=data,
        content_type="application/json" if data is not None else None,
    )
    with context:
        parsed, raw = read_json_body(request)
        validator = VALIDATORS["control" if path.startswith("/_emulator") else "product"]
        return validator.fast_accepts(request, raw, parsed), validator.authority_problems(
            request, raw
        )


@settings(
    max_examples=600, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(requests())
def test_the_fast_path_agrees_with_openapi_core(
    call: tuple[str, str, dict[str, str], dict[str, str], Any],
) -> None:
    fast, problems = verdicts(APP, call)
    assert fast == (problems == []), f"fast path said {fast}, openapi-core found {problems}"


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        ("POST", "/seat-events", {}, EVENT),
        ("POST", "/seat-events", {}, {**EVENT, "customerEventId": None, "extra": 1}),
        (
            "GET",
            "/seat-events",
            {"limit": "50", "sortBy": "eventTimestamp", "seatType": "a,b"},
            None,
        ),
        ("GET", "/seat-balances", {"excludeZeroQuantity": "true"}, None),
        ("GET", "/seat-events/0184421a-8202-70ea-a729-30308a40bbf7", {}, None),
        ("POST", "/usage-events", {}, {"customerAlias": "a", "eventType": "t"}),
        ("GET", "/usage-events", {"customerAlias": ["a", "b"], "offset": "2"}, None),
        (
            "GET",
            "/usage-metrics/x/calculate",
            {"customerAliases": "a", "periodStart": "2024-04-01", "periodEnd": "2024-04-30"},
            None,
        ),
        ("POST", "/_emulator/reset", {}, None),
        ("PUT", "/_emulator/clock", {}, {"advance": "PT1H"}),
    ],
)
def test_everyday_requests_take_the_fast_path(
    method: str, path: str, query: dict[str, str], body: Any
) -> None:
    fast, problems = verdicts(APP, (method, path, {"Authorization": AUTH}, query, body))
    assert problems == [] and fast


def test_a_request_under_an_earlier_version_takes_the_fast_path_too() -> None:
    headers = {"Authorization": AUTH, "Sequence-Version": "2024-05-09"}

    fast, problems = verdicts(APP, ("POST", "/seat-events", headers, {}, EVENT))

    assert problems == [] and fast
