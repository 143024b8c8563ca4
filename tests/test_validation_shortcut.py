"""Requests with nothing to validate skip openapi-core; the answer must be the same."""

from __future__ import annotations

import pytest
from flask import Flask, request

from emulator.app import create_app
from emulator.config import Settings
from emulator.http.validation import OpenApiValidator, trivial_operations
from emulator.spec import CONTROL_DOCUMENT, PRODUCT_DOCUMENT, load_document

AUTH = {"Authorization": "Basic a2V5OnNlY3JldA=="}
HEADER_SETS = [
    {},
    AUTH,
    {**AUTH, "Sequence-Version": "2024-07-30"},
    {**AUTH, "Sequence-Version": "1999-01-01"},
    {"Sequence-Version": "2024-07-30"},
    {**AUTH, "X-Anything": "else"},
]
CALLS = [
    ("GET", "/seat-events"),
    ("GET", "/api/seat-events"),
    ("GET", "/seat-events/0184421a-8202-70ea-a729-30308a40bbf7"),
    ("GET", "/seat-balances"),
    ("GET", "/seat-metrics"),
    ("GET", "/seat-metrics/anything"),
    ("DELETE", "/seat-metrics/anything"),
    ("HEAD", "/seat-balances"),
    ("POST", "/seat-events"),  # a required body: never skipped
    ("PUT", "/seat-metrics/x"),
    ("GET", "/_emulator/health"),
    ("POST", "/_emulator/reset"),
    ("DELETE", "/_emulator/faults/some-id"),
    ("PUT", "/_emulator/clock"),
]


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(Settings())


@pytest.fixture(scope="module")
def validators() -> dict[str, OpenApiValidator]:
    return {
        "product": OpenApiValidator(load_document(PRODUCT_DOCUMENT)),
        "control": OpenApiValidator(load_document(CONTROL_DOCUMENT)),
    }


@pytest.mark.parametrize(("method", "path"), CALLS)
@pytest.mark.parametrize("headers", HEADER_SETS)
def test_the_shortcut_agrees_with_openapi_core(
    app: Flask,
    validators: dict[str, OpenApiValidator],
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    path: str,
    headers: dict[str, str],
) -> None:
    validator = validators["control" if path.startswith("/_emulator") else "product"]
    with app.test_request_context(path, method=method, headers=headers):
        answered = validator.request_problems(request, None)
        monkeypatch.setattr(validator, "_is_trivial", lambda _request: False)
        authority = validator.request_problems(request, None)
    assert answered == authority


def test_only_operations_without_required_input_are_shortcut() -> None:
    product = trivial_operations(load_document(PRODUCT_DOCUMENT))
    assert ("post", "/seat-events") not in product
    assert ("put", "/seat-metrics/{}") not in product
    assert ("get", "/seat-balances") in product
    assert product[("get", "/seat-balances")]["Sequence-Version"].allowed == {"2024-07-30"}
