"""The compiled response check never accepts an answer openapi-core would refuse."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import SEQUENCE_EXAMPLE, basic
from flask import Flask, request
from werkzeug.wrappers import Response

from emulator.app import create_app
from emulator.config import Settings
from emulator.http.context import EXTENSION
from emulator.http.validation import shared_validator
from emulator.spec import PRODUCT_DOCUMENT

CUSTOMER = {
    "legalName": "Acme",
    "address": {"line1": "1 Road", "town": "Town", "postcode": "AB1", "country": "GB"},
    "taxStatus": "TAXED",
    "contacts": [{"name": "Ann", "email": "ann@acme.test", "billingPreference": "PRIMARY"}],
    "customerAliases": ["acme"],
}
USAGE = {"customerAlias": "acme", "eventType": "sent", "eventProperties": {"n": 2}}
METRIC = {
    "name": "Sent",
    "metricType": "SIMPLE",
    "eventType": "sent",
    "aggregationType": "SUM",
    "aggregationProperty": "n",
}
# Values put in place of each field of a real answer: wrong types, null, bad text.
REPLACEMENTS = (None, 7, 1.5, "x", "not a time", True, [], {})


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    app = create_app(Settings())
    yield app
    app.extensions[EXTENSION].close()


@pytest.fixture(scope="module")
def answers(app: Flask) -> list[tuple[str, str, Response]]:
    """Real answers of everyday calls, with the method and path that asked for them."""
    client, headers = app.test_client(), basic()
    calls: list[tuple[str, str, Any]] = [
        ("POST", "/seat-events", SEQUENCE_EXAMPLE),
        ("GET", "/seat-events", None),
        ("GET", "/seat-balances", None),
        ("POST", "/customers", CUSTOMER),
        ("GET", "/customers", None),
        ("POST", "/usage-events", USAGE),
        ("GET", "/usage-events", None),
        ("POST", "/usage-metrics", METRIC),
        ("GET", "/usage-metrics", None),
        ("GET", "/sequence-accounts", None),
    ]
    found = []
    for method, path, body in calls:
        response = client.open(path, method=method, json=body, headers=headers)
        assert response.status_code in (200, 201), response.get_json()
        found.append((method, path, response))
    return found


def verdicts(app: Flask, method: str, path: str, response: Response) -> tuple[bool, list[Any]]:
    """The compiled check's verdict and openapi-core's problems, for one answer."""
    validator = shared_validator(PRODUCT_DOCUMENT)
    with app.test_request_context(path, method=method, headers=basic()):
        fast = validator.fast_accepts_response(request, response)
        return fast, validator.authority_response_problems(request, response)


def test_everyday_answers_take_the_compiled_check(
    app: Flask, answers: list[tuple[str, str, Response]]
) -> None:
    for method, path, response in answers:
        assert verdicts(app, method, path, response) == (True, []), (method, path)


def mutations(body: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """The body with one field replaced or removed, for every field at any depth."""
    node = body
    for key in at:
        node = node[key]
    keys = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
    for key, value in keys[:6]:  # the first items of a list stand for the rest
        for replacement in REPLACEMENTS:
            changed = copy.deepcopy(body)
            _at(changed, at)[key] = replacement
            yield (*at, key), changed
        if isinstance(node, dict):
            changed = copy.deepcopy(body)
            del _at(changed, at)[key]
            yield (*at, key, "removed"), changed
        if isinstance(value, (dict, list)) and value:
            yield from mutations(body, (*at, key))


def _at(body: Any, at: tuple[Any, ...]) -> Any:
    for key in at:
        body = body[key]
    return body


def test_no_broken_answer_passes_the_compiled_check_alone(
    app: Flask, answers: list[tuple[str, str, Response]]
) -> None:
    refused = 0
    for method, path, response in answers:
        for where, changed in mutations(response.get_json()):
            broken = Response(
                json.dumps(changed), response.status_code, mimetype="application/json"
            )
            fast, problems = verdicts(app, method, path, broken)
            assert not (fast and problems), (method, path, where, problems)
            refused += not fast
    assert refused > 100  # the mutations did break answers, and the check saw it
