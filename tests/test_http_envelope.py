"""Headers every request meets, and one error envelope for every failure (BEHAVIOUR.md §2-§3)."""

import base64
import functools
import json
import logging
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from conftest import SEQUENCE_EXAMPLE, PostEvent, basic
from flask import Flask
from flask.testing import FlaskClient

from emulator.app import create_app
from emulator.config import Settings, parse_credential
from emulator.domain.pages import encode_cursor
from emulator.http.context import EXTENSION

UNRECOGNISED = {
    "error": {
        "type": "UnrecognisedApiVersion",
        "message": (
            "No matching API version found. Please make sure the specified API version is valid."
        ),
    }
}


def raw_auth(value: str) -> dict[str, str]:
    return {"Authorization": value}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        raw_auth("Bearer abc"),
        raw_auth("Basic"),
        raw_auth("Basic not*base64"),
        raw_auth("Basic " + base64.b64encode(b"no-colon").decode()),
        raw_auth("Basic " + base64.b64encode(b":secret").decode()),
        raw_auth("Basic " + base64.b64encode(b"\xff\xfe:x").decode()),
    ],
)
def test_missing_or_malformed_credentials_are_401(
    app: Flask, client: FlaskClient, headers: dict[str, str]
) -> None:
    response = client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["type"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert app.extensions[EXTENSION].store.count_seat_events() == 0


def test_the_basic_scheme_is_case_insensitive(client: FlaskClient) -> None:
    token = basic()["Authorization"].split()[1]
    response = client.post(
        "/seat-events", json=SEQUENCE_EXAMPLE, headers=raw_auth(f"basic {token}")
    )
    assert response.status_code == 201


def test_configured_credentials_are_the_only_ones_accepted() -> None:
    account = "0184421e-a9cc-711b-af93-bf0511d4d833"
    settings = Settings(
        credentials=(parse_credential(f"key:secret={account}"),), validate_responses=True
    )
    client = create_app(settings).test_client()
    ok = client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=basic("key", "secret"))
    assert ok.status_code == 201
    assert ok.get_json()["sequenceAccountId"] == account
    for wrong in (basic("key", "wrong"), basic("other", "secret"), basic("key", "")):
        assert client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=wrong).status_code == 401


def test_authentication_comes_before_validation(client: FlaskClient) -> None:
    response = client.post("/seat-events", json={"total": "3"})
    assert response.status_code == 401


@pytest.mark.parametrize("version", [None, "2024-07-30"])
def test_the_supported_version_or_none_is_accepted(
    client: FlaskClient, version: str | None
) -> None:
    headers = basic() | ({"Sequence-Version": version} if version else {})
    assert client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=headers).status_code == 201


@pytest.mark.parametrize("version", ["2023-01-01", "latest", ""])
def test_an_unknown_version_is_sequences_exact_400(client: FlaskClient, version: str) -> None:
    headers = basic() | {"Sequence-Version": version}
    response = client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=headers)
    assert response.status_code == 400
    assert response.get_json() == UNRECOGNISED
    assert response.headers["Sequence-Version"] == "2024-07-30"


def test_every_response_carries_the_version_header(client: FlaskClient) -> None:
    responses = [
        client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=basic()),
        client.post("/seat-events", json={}, headers=basic()),
        client.post("/seat-events", json=SEQUENCE_EXAMPLE),
        client.get("/no-such-path"),
    ]
    assert all(r.headers["Sequence-Version"] == "2024-07-30" for r in responses)


def test_a_body_over_one_mebibyte_is_413(app: Flask, client: FlaskClient) -> None:
    padding = "x" * (1024 * 1024)
    response = client.post(
        "/seat-events", json={**SEQUENCE_EXAMPLE, "pad": padding}, headers=basic()
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["type"] == "PayloadTooLarge"
    assert app.extensions[EXTENSION].store.count_seat_events() == 0


def test_a_body_just_under_the_limit_is_served(post_event: PostEvent) -> None:
    assert post_event(pad="x" * (1024 * 1024 - 400)).status_code == 201


def test_malformed_json_is_400_on_the_body(client: FlaskClient) -> None:
    headers = basic() | {"Content-Type": "application/json"}
    response = client.post("/seat-events", data='{"total": ', headers=headers)
    assert response.status_code == 400
    [detail] = response.get_json()["error"]["errors"]
    assert detail["key"] == "body"
    assert detail["message"].startswith("Malformed JSON")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_400(client: FlaskClient, content_type: str) -> None:
    headers = basic() | {"Content-Type": content_type}
    response = client.post("/seat-events", data="total=1", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["errors"][0]["key"] == "Content-Type"


def test_json_with_a_charset_is_json(client: FlaskClient) -> None:
    headers = basic() | {"Content-Type": "application/json; charset=utf-8"}
    response = client.post("/seat-events", data=json.dumps(SEQUENCE_EXAMPLE), headers=headers)
    assert response.status_code == 201


def test_an_empty_body_is_400(client: FlaskClient) -> None:
    response = client.post("/seat-events", headers=basic())
    assert response.status_code == 400
    assert response.get_json()["error"]["errors"] == [
        {
            "code": "validationError",
            "key": "body",
            "message": "Request body is required",
            "errors": [],
        }
    ]


def test_an_unknown_path_is_404_in_the_envelope(client: FlaskClient) -> None:
    response = client.get("/seat-event", headers=basic())
    assert response.status_code == 404
    assert response.content_type == "application/json; charset=utf-8"
    assert response.get_json()["error"] == {
        "type": "NotFound",
        "message": "No such path: /seat-event",
        "errors": [],
    }


def test_a_wrong_method_is_405_in_the_envelope(client: FlaskClient) -> None:
    response = client.delete("/seat-events", headers=basic())
    assert response.status_code == 405
    assert response.get_json()["error"]["type"] == "MethodNotAllowed"
    assert "POST" in response.headers["Allow"]


def test_an_unexpected_exception_is_a_500_envelope_and_a_logged_traceback(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> str:
        raise RuntimeError("a bug")

    app.add_url_rule("/explode", view_func=explode)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/explode")
    assert response.status_code == 500
    assert response.get_json() == {
        "error": {"type": "InternalError", "message": "Internal server error", "errors": []}
    }
    assert "a bug" not in response.get_data(as_text=True)
    assert any(record.exc_info for record in caplog.records)


def test_a_non_conformant_response_is_caught_in_test_mode(app: Flask) -> None:
    view = app.view_functions["product.seat_events.create_seat_event"]

    @functools.wraps(view)  # keeps the schemas the route declared
    def broken() -> tuple[dict[str, str], int]:
        view()
        return {"id": "only"}, 201

    app.view_functions["product.seat_events.create_seat_event"] = broken
    response = app.test_client().post("/seat-events", json=SEQUENCE_EXAMPLE, headers=basic())
    assert response.status_code == 500
    assert "does not conform" in response.get_json()["error"]["message"]


def test_one_access_line_per_request(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="emulator.access"):
        client.post("/seat-events", json=SEQUENCE_EXAMPLE, headers=basic())
    lines = [r.getMessage() for r in caplog.records if r.name == "emulator.access"]
    assert len(lines) == 1
    assert '"POST /seat-events" 201' in lines[0]


@pytest.mark.parametrize(
    ("path", "body", "key"),
    [
        ("/seat-events", '{"customerAlias": "\\ud800", "seatType": "a", "total": 1,'
         ' "eventTimestamp": "2024-04-01"}', "customerAlias"),
        ("/seat-events", '{"customerAlias": "a", "seatType": "x\\udfff", "total": 1,'
         ' "eventTimestamp": "2024-04-01"}', "seatType"),
        ("/customers", '{"legalName": "Acme", "taxStatus": "TAXED", "contacts": [],'
         ' "address": {"line1": "\\udc00", "town": "t", "postcode": "p", "country": "GB"}}',
         "address.line1"),
        ("/customers", '{"legalName": "Acme", "taxStatus": "TAXED", "contacts": [],'
         ' "address": {"line1": "1", "town": "t", "postcode": "p", "country": "GB"},'
         ' "customerAliases": ["ok", "\\ud83d"]}', "customerAliases.1"),
        ("/seat-events", '{"customerAlias": "nul\\u0000", "seatType": "a", "total": 1,'
         ' "eventTimestamp": "2024-04-01"}', "customerAlias"),
    ],
)  # fmt: skip
def test_text_no_database_can_hold_is_a_400_on_its_field_and_nothing_is_stored(
    client: FlaskClient, path: str, body: str, key: str
) -> None:
    headers = {**basic(), "Content-Type": "application/json"}
    response = client.post(path, data=body, headers=headers)
    assert response.status_code == 400
    assert key in {problem["key"] for problem in response.get_json()["error"]["errors"]}
    assert client.get(path, headers=basic()).get_json()["items"] == []


@pytest.mark.parametrize("field", ["customerAlias", "customerEventId"])
def test_a_surrogate_sent_as_raw_bytes_is_a_400_and_nothing_is_stored(
    client: FlaskClient, field: str
) -> None:
    event = {**SEQUENCE_EXAMPLE, field: "PLACEHOLDER"}
    body = json.dumps(event).encode().replace(b"PLACEHOLDER", b"a\xed\xa0\x80")  # U+D800
    headers = {**basic(), "Content-Type": "application/json"}
    response = client.post("/seat-events", data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["errors"][0]["key"] == "body"
    assert client.get("/seat-events", headers=basic()).get_json()["items"] == []


def test_a_nul_in_a_query_parameter_is_a_400_on_it(client: FlaskClient) -> None:
    response = client.get("/seat-events?customerAlias=a%00b", headers=basic())
    assert response.status_code == 400
    assert [p["key"] for p in response.get_json()["error"]["errors"]] == ["customerAlias"]


def test_a_nul_in_a_path_parameter_is_a_400_on_it(client: FlaskClient) -> None:
    response = client.get("/customers/by-alias/a%00b", headers=basic())
    assert response.status_code == 400
    assert [p["key"] for p in response.get_json()["error"]["errors"]] == ["alias"]


@pytest.mark.parametrize("instant", [10**20, -(10**20), 2**63])
def test_a_cursor_beyond_any_instant_is_a_400_on_it(client: FlaskClient, instant: int) -> None:
    cursor = encode_cursor(str(instant), "0190f0c0-0000-7000-8000-000000000001")
    response = client.get(f"/seat-events?sortBy=eventTimestamp&after={cursor}", headers=basic())
    assert response.status_code == 400
    assert [p["key"] for p in response.get_json()["error"]["errors"]] == ["after"]


@pytest.mark.parametrize(
    "returned",
    [
        ({"b": 1, "a": [1, {"z": None, "y": "é\u2028"}], "d": Decimal("1.50")}, 201),
        ({"at": datetime(2024, 1, 1, tzinfo=timezone.utc), "big": 1.5e300}, 200),
        ({}, 404),
    ],
)
def test_views_json_is_written_as_flask_writes_it(
    app: Flask, returned: tuple[dict[str, object], int]
) -> None:
    with app.test_request_context("/"):
        mine, flasks = app.make_response(returned), Flask.make_response(app, returned)
    assert mine.get_data() == flasks.get_data()
    assert (mine.status, dict(mine.headers)) == (flasks.status, dict(flasks.headers))
