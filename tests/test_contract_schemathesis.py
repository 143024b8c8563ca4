"""Contract run: schemathesis generates requests from the project's OpenAPI documents.

Every operation of `openapi/seat-api.yaml` and of `openapi/control-plane.yaml` gets generated
requests, valid and invalid (the schema's examples, schemathesis' coverage cases, then up to
MAX_EXAMPLES Hypothesis cases). They go over HTTP to one live `EmulatorServer` on 127.0.0.1 that
validates its own responses, so a response that departs from the document becomes a 500. Every
response must pass these checks:

- not_a_server_error: no 5xx, ever;
- status_code_conformance, content_type_conformance, response_headers_conformance,
  response_schema_conformance: the response is one the document describes;
- error_envelope (ours): every 4xx body is `{"error": {"type", "message", "details"?}}`.

Seat operations: `Authorization` is a plain string header in the document, so generated values
are never valid credentials. About four cases in five get `Basic key:secret` instead, so they get
past authentication to validation and storage; the rest keep the generated value and exercise 401.
Half the `{id}` cases use the id of a seat event, seat metric or fault rule created just before
(in-process), so 200s and the success path of PUT and DELETE are reached, not only 404s. A quarter
of the seat cases go to the `/api` paths. These choices are a function of the case, so a replayed
case makes the same ones.

Isolation: fault rules and the clock belong to the whole server. A generated
`POST /_emulator/faults` can add "503 on every path", a 60 s delay or a dropped connection, and
`PUT /_emulator/clock` can freeze the clock in the year 835. After every case, whatever its
outcome, the test clears the fault rules and returns the clock to system time through the app
in-process (Flask's test client, no socket). So both operations stay in the generated run, and no
case sees another case's rules or clock.

Marked `slow` (`-m 'not slow'` leaves the generated run out). Bounded and reproducible: a fixed
seed, derandomized Hypothesis, no example database, over the 48 operations (35 product, 13
control plane).

What the run found is kept at the end of the file as regression tests of the fixes.
"""

from __future__ import annotations

import base64
import json
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
import yaml
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from emulator.app import create_app
from emulator.config import Settings
from emulator.server import EmulatorServer

OPENAPI = Path(__file__).resolve().parent.parent / "openapi"
MAX_EXAMPLES = 40  # generated cases per operation, on top of examples and coverage cases
SEED = 20240730
REQUEST_TIMEOUT = 10  # seconds; faults are cleared after each case, so nothing should wait
CREDENTIALS = base64.b64encode(b"key:secret").decode()
VALID_AUTHORIZATION = f"Basic {CREDENTIALS}"


def _config() -> schemathesis.Config:
    """Every setting given here, so no schemathesis.toml found on the way up changes the run."""
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "mode": "all",  # positive and negative
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
        }
    )


def _load(name: str) -> Any:
    document = yaml.safe_load((OPENAPI / name).read_text(encoding="utf-8"))
    return schemathesis.openapi.from_dict(document, config=_config())


VERSION_ERROR = "UnrecognisedApiVersion"
product = _load("seat-api.yaml")
control = _load("control-plane.yaml")


def error_envelope(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Every 4xx is Sequence's ApiError: `{"error": {"type", "message", "errors": [{code, key,
    message, errors}]}}`; the version error has exactly its documented `{type, message}`."""
    if not 400 <= response.status_code < 500:
        return
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(
            f"{response.status_code} body is not JSON: {response.text!r}"
        ) from None
    assert isinstance(body, dict) and set(body) == {"error"}, f"not the envelope: {body!r}"
    error = body["error"]
    assert isinstance(error, dict), f"error is not an object: {body!r}"
    keys = {"type", "message"} | ({"errors"} if error.get("type") != VERSION_ERROR else set())
    assert set(error) == keys, f"not the keys of Sequence's ApiError: {body!r}"
    assert isinstance(error.get("type"), str) and error["type"], f"error.type: {body!r}"
    assert isinstance(error.get("message"), str), f"error.message: {body!r}"
    problems = error.get("errors", [])
    assert isinstance(problems, list), f"error.errors is not a list: {body!r}"
    for problem in problems:
        assert isinstance(problem, dict), f"{body!r}"
        assert set(problem) == {"code", "key", "message", "errors"}, f"{body!r}"
        assert problem["code"] == "validationError" and problem["errors"] == [], f"{body!r}"
        assert isinstance(problem["key"], str) and isinstance(problem["message"], str), body


def listed_status_code(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """A status below 500 is one the operation lists; `default` is for unexpected failures.

    status_code_conformance accepts any status where `default` is declared (every control-plane
    operation declares it, for the InternalError envelope), so a 400 that only `default` covers
    would pass it unnoticed. Cases sent with another method (coverage's 405 probes) are skipped.
    """
    if response.status_code >= 500 or response.request.method != case.operation.method.upper():
        return
    listed = {
        code
        for key in case.operation.responses.status_codes
        if key != "default"
        for code in (
            range(int(key[0]) * 100, int(key[0]) * 100 + 100)
            if key[1:].upper() == "XX"
            else [int(key)]
        )
    }
    assert response.status_code in listed, (
        f"{case.operation.label} answered {response.status_code}, which it does not list "
        f"(only `default` covers it): {response.text[:500]}"
    )


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    listed_status_code,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    error_envelope,
]


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    """One live emulator for the module, checking its own responses against the documents."""
    with EmulatorServer(create_app(Settings(validate_responses=True)), port=0) as live:
        assert live.host == "127.0.0.1"
        yield live


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    """Kept-alive connections; no proxy from the environment, so traffic stays on 127.0.0.1."""
    with requests.Session() as http:
        http.trust_env = False
        yield http


def _pick(case: schemathesis.Case, purpose: str, one_in: int) -> bool:
    """True for about one case in `one_in`, decided by the case's content, not by chance."""
    content = [case.path_parameters, case.query, dict(case.headers or {}), case.body]
    # An absent body is a sentinel object whose repr holds its address: name types, not objects.
    text = json.dumps(content, sort_keys=True, default=lambda value: type(value).__name__)
    return zlib.crc32(f"{purpose}|{case.operation.label}|{text}".encode()) % one_in == 0


def _created_id(admin: FlaskClient, path: str, body: dict[str, Any]) -> str:
    """Create a resource in-process (account `key`) and return its id."""
    response = admin.post(path, json=body, headers={"Authorization": VALID_AUTHORIZATION})
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def _existing_id(admin: FlaskClient, label: str) -> str | None:
    """An id that exists for the operation `label`, created just now; None if it takes none."""
    unique = uuid.uuid4().hex
    if label == "GET /seat-events/{id}":
        event = {"customerAlias": "acme", "seatType": "admin", "eventTimestamp": "2024-04-18"}
        return _created_id(admin, "/seat-events", {**event, "total": 3})
    if label.endswith(" /seat-metrics/{id}"):
        return _created_id(admin, "/seat-metrics", {"seatType": unique, "label": "Seats"})
    if label.endswith(" /usage-metrics/{id}"):
        metric = {"name": unique, "metricType": "SIMPLE", "eventType": "sent"}
        return _created_id(admin, "/usage-metrics", {**metric, "aggregationType": "COUNT"})
    if label == "DELETE /_emulator/faults/{id}":
        return _created_id(admin, "/_emulator/faults", {"path": f"/never/{unique}", "status": 503})
    return None


def _run(
    case: schemathesis.Case, server: EmulatorServer, session: requests.Session, base: str
) -> None:
    """Send the case, check the response, then undo what it may have done to faults and clock."""
    admin = server.app.test_client()
    try:
        if "id" in (case.path_parameters or {}) and _pick(case, "existing id", 2):
            existing = _existing_id(admin, case.operation.label)
            if existing is not None:
                case.path_parameters["id"] = existing
        response = case.call(base_url=server.url + base, session=session, timeout=REQUEST_TIMEOUT)
        case.validate_response(response, checks=CHECKS)
    finally:
        assert admin.delete("/_emulator/faults").status_code == 200
        assert admin.delete("/_emulator/clock").status_code == 200


# A live server makes cases slower than Hypothesis expects, and many generated inputs are refused.
live_settings = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


@pytest.mark.slow
@product.parametrize()
@live_settings
def test_seat_api_conforms(
    case: schemathesis.Case, server: EmulatorServer, session: requests.Session
) -> None:
    """Every seat API operation, at the root and under /api."""
    if not _pick(case, "generated credentials", 5):
        case.headers["Authorization"] = VALID_AUTHORIZATION
    _run(case, server, session, "/api" if _pick(case, "under /api", 4) else "")


@pytest.mark.slow
@control.parametrize()
@live_settings
def test_control_plane_conforms(
    case: schemathesis.Case, server: EmulatorServer, session: requests.Session
) -> None:
    """Every control-plane operation, on an open control plane (no admin token)."""
    _run(case, server, session, "")


# --- What this run found, each kept as a regression test of its fix.


def test_an_empty_account_id_on_get_state_is_a_listed_400(
    server: EmulatorServer, session: requests.Session
) -> None:
    """GET /_emulator/state?accountId= is refused with a 400 that getState lists."""
    response = session.get(f"{server.url}/_emulator/state?accountId=", timeout=REQUEST_TIMEOUT)
    document = yaml.safe_load((OPENAPI / "control-plane.yaml").read_text(encoding="utf-8"))
    listed = document["paths"]["/_emulator/state"]["get"]["responses"]
    assert str(response.status_code) in listed, response.json()


OUT_OF_RANGE = {
    "event before year 1 in UTC": (
        "POST",
        "/seat-events",
        {
            "customerAlias": "a",
            "seatType": "b",
            "total": 0,
            "eventTimestamp": "0001-01-01T00:00:00+00:11",
        },
    ),
    "event after year 9999 in UTC": (
        "POST",
        "/seat-events",
        {
            "customerAlias": "a",
            "seatType": "b",
            "total": 0,
            "eventTimestamp": "9999-12-31T23:59:59-01:00",
        },
    ),
    "list filter before year 1": (
        "GET",
        "/seat-events?eventTimestampAfter=0001-01-01T00:00%2B01:00",
        None,
    ),
    "journal since before year 1": (
        "GET",
        "/_emulator/requests?since=0001-01-01T00:00%2B01:00",
        None,
    ),
    "clock frozen before year 1": (
        "PUT",
        "/_emulator/clock",
        {"freezeAt": "0001-01-01T00:00+01:00"},
    ),
    "clock moved past year 9999": (
        "PUT",
        "/_emulator/clock",
        {"freezeAt": "9999-12-31T00:00:00Z", "advance": "P2D"},
    ),
    "clock moved by 10^10 days": ("PUT", "/_emulator/clock", {"advance": "P9999999999D"}),
}


@pytest.mark.parametrize("method, path, body", OUT_OF_RANGE.values(), ids=OUT_OF_RANGE.keys())
def test_instants_beyond_years_1_to_9999_are_a_400(
    server: EmulatorServer, session: requests.Session, method: str, path: str, body: Any
) -> None:
    """An instant outside years 1-9999 (once in UTC) is a 400 ValidationError, not a 500."""
    headers = {"Authorization": VALID_AUTHORIZATION}
    try:
        response = session.request(
            method, server.url + path, json=body, headers=headers, timeout=REQUEST_TIMEOUT
        )
    finally:
        server.app.test_client().delete("/_emulator/clock")
    assert response.status_code == 400, response.json()


def test_a_clock_before_year_1000_answers_a_padded_date_time(
    server: EmulatorServer, session: requests.Session
) -> None:
    """A clock frozen in the year 835 answers `now` as '0835-05-09T11:11:06Z'."""
    try:
        response = session.put(
            f"{server.url}/_emulator/clock",
            json={"freezeAt": "0835-05-09T11:11:06Z"},
            timeout=REQUEST_TIMEOUT,
        )
    finally:
        server.app.test_client().delete("/_emulator/clock")
    assert response.status_code == 200, response.json()
    assert response.json()["now"] == "0835-05-09T11:11:06Z"


def test_creating_while_the_clock_is_before_1970_works() -> None:
    """Found by hand, not by the run (which returns the clock to now after every case): with the
    clock frozen before the Unix epoch, a server that had minted no id yet answered every create
    with a 500. A fresh app, so no id was minted before."""
    client = create_app(Settings(validate_responses=True)).test_client()
    client.put("/_emulator/clock", json={"freezeAt": "1969-12-31T23:59:59Z"})
    body = {"seatType": "admin", "label": "Admins"}
    response = client.post(
        "/seat-metrics", json=body, headers={"Authorization": VALID_AUTHORIZATION}
    )
    assert response.status_code == 201, response.get_json()
