"""A repeatable hostile run: generated bodies, headers, query strings and path segments sent to
every operation of both OpenAPI documents; never a 5xx, and a 4xx is the envelope and stores
nothing, and none hangs (BEHAVIOUR.md §3)."""

from __future__ import annotations

import base64
import json
import re
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from postgres import PostgresDatabases

from emulator.app import create_app
from emulator.config import Settings
from emulator.http.context import EXTENSION

OPENAPI = Path(__file__).resolve().parent.parent / "openapi"
METHODS = ("get", "put", "post", "delete", "patch")
EXAMPLES_PER_OPERATION = 5  # about 200 in all, over the operations of both documents
VALID = "Basic " + base64.b64encode(b"key:secret").decode()
VERSION_ERROR = "UnrecognisedApiVersion"

ODD_TEXT = [
    "",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",
    "\u200f\u200e",
    "\uff11\uff12\uff13",
    "\u0663",
    "\ufeff",
    "\U0001f600",
    "e\u0301",
    "x" * 300,
    "2024-04-18T00:00:00+99:99",
]
# Raw JSON texts the strict parser must refuse or survive: NaN text, lone surrogate escapes,
# deep nesting, huge numbers, duplicate keys.
RAW_BODIES = [
    '{"total": NaN}',
    '{"total": Infinity, "label": -Infinity}',
    '{"customerAlias": "\\ud800", "seatType": "\\udfff"}',
    '{"legalName": "\\ud83d"}',
    "[" * 2000 + "]" * 2000,
    '{"a":' * 200 + "1" + "}" * 200,
    '{"total": 1' + "0" * 5000 + "}",
    '{"total": 1e999999}',
    '{"total": 1, "total": "2"}',
    "\x00",
    "",
    "nul\x00l",
    "\ufeff{}",
]
ODD_NUMBERS: list[Any] = [10**400, -(2**63), 2**31, -1, 1e308, 2.5, True, None]


def _operations() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    found = []
    for name in ("seat-api.yaml", "control-plane.yaml"):
        document = yaml.safe_load((OPENAPI / name).read_text(encoding="utf-8"))
        for path, item in document["paths"].items():
            found += [
                (method, path, spec, document) for method, spec in item.items() if method in METHODS
            ]
    return found


OPERATIONS = _operations()


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].split("/")[1:]:
            target = target[part]
        schema = target
    return schema


def _fields(spec: dict[str, Any], document: dict[str, Any]) -> list[str]:
    """The request body's property names, so that hostile values land on real fields."""
    content = spec.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = _resolve(content.get("schema", {}), document)
    return sorted(schema.get("properties", {})) or ["id"]


def _query_names(spec: dict[str, Any], document: dict[str, Any]) -> list[str]:
    parameters = [_resolve(p, document) for p in spec.get("parameters", [])]
    return sorted(p["name"] for p in parameters if p.get("in") == "query") or ["limit"]


json_values = st.recursive(
    st.sampled_from(ODD_NUMBERS) | st.sampled_from(ODD_TEXT) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
raw_segments = st.sampled_from(["%00", "%ED%A0%80", "%FF", "%E2%80%AE", "%EF%BC%91", "..", "%2F"])
query_values = raw_segments | st.sampled_from(ODD_TEXT).map(lambda text: quote(text.encode()))
authorizations = st.sampled_from(
    [
        VALID,
        VALID,
        VALID,
        "",
        "Basic",
        "Bearer key:secret",
        "Basic " + base64.b64encode(b"\xff:\xfe").decode(),
        "Basic " + base64.b64encode("\u202e:\x00".encode()).decode(),
        "Basic !!!!",
        "basic " + VALID[6:],
    ]
)
versions = st.sampled_from(
    [None, "2024-07-30", "2024-05-09", "", "\uff12\uff10\uff12\uff14-07-30", "2024-07-30 ", "v1"]
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=utf-16",
        "text/plain",
        "application/x-www-form-urlencoded",
        "",
    ]
)


@st.composite
def requests(draw: st.DrawFn, spec: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """One hostile request's parts, around an operation's real fields and parameters."""
    if draw(st.booleans()):
        fields = _fields(spec, document)
        keys = draw(st.lists(st.sampled_from(fields), max_size=len(fields), unique=True))
        body = json.dumps(
            {key: draw(json_values) for key in keys}, ensure_ascii=draw(st.booleans())
        )
    else:
        body = draw(st.sampled_from(RAW_BODIES))
    names = draw(st.lists(st.sampled_from(_query_names(spec, document)), max_size=3))
    query = "&".join(f"{name}={draw(query_values)}" for name in names)
    headers = {"Authorization": draw(authorizations), "Content-Type": draw(content_types)}
    version = draw(versions)
    if version is not None:
        headers["Sequence-Version"] = version
    return {
        "body": body,
        "query": query,
        "headers": headers,
        "real": draw(st.booleans()),
        "segment": draw(raw_segments),
    }


class Ids:
    """Real resources of account `key`, for path parameters; made again after a reset."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.known: dict[str, str] = {}

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(path, json=body, headers={"Authorization": VALID})
        assert response.status_code in (200, 201), response.json
        made: dict[str, Any] = response.json
        return made

    def get(self) -> dict[str, str]:
        if self.known:
            return self.known
        unique = uuid.uuid4().hex
        event = {
            "customerAlias": unique,
            "seatType": "s",
            "eventTimestamp": "2024-04-18",
            "total": 1,
        }
        address = {"line1": "1 Road", "town": "London", "postcode": "N1 1AA", "country": "GB"}
        contact = {"name": "Ann", "email": "ann@acme.test", "billingPreference": "PRIMARY"}
        customer = self._post(
            "/customers",
            {"legalName": "Acme", "address": address, "contacts": [contact], "taxStatus": "TAXED"},
        )
        alias = self._post("/customer-aliases", {"customerId": customer["id"], "value": unique})
        contacts = self.client.get(
            f"/customers/{customer['id']}/contacts", headers={"Authorization": VALID}
        )
        account = self.client.get("/sequence-accounts", headers={"Authorization": VALID}).json
        self.known = {
            "/seat-events/": self._post("/seat-events", event)["id"],
            "/seat-metrics/": self._post("/seat-metrics", {"seatType": unique, "label": "S"})["id"],
            "/customer-aliases/": alias["id"],
            "/by-alias/": unique,
            "/contacts/": contacts.json["items"][0]["id"],
            "/customers/": customer["id"],
            "/sequence-accounts/": account["items"][0]["id"],
        }
        return self.known


def _path(template: str, ids: dict[str, str], real: bool, segment: str) -> str:
    def fill(match: re.Match[str]) -> str:
        before = template[: match.start()]
        prefix = next((key for key in ids if before.endswith(key)), None)
        return ids[prefix] if real and prefix is not None else segment

    return re.sub(r"\{[^}]+\}", fill, template)


def _assert_envelope(status: int, body: Any) -> None:
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    keys = {"type", "message"} | ({"errors"} if error.get("type") != VERSION_ERROR else set())
    assert set(error) == keys, (status, body)
    assert isinstance(error["type"], str) and isinstance(error["message"], str), body
    assert isinstance(error.get("errors", []), list), body


ANSWER_SECONDS = 10  # far beyond any answer here (milliseconds): only a hang reaches it


@contextmanager
def answered_within(seconds: float, what: str) -> Iterator[None]:
    """Fail, rather than hang, when a request is not answered in time (the test's thread is
    the process's main thread, where a timer signal interrupts it)."""

    def hung(*_: object) -> None:
        raise AssertionError(f"{what} was not answered within {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module", params=["memory", "sqlite", "postgresql"])
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FlaskClient]:
    """The run on every store: what one engine keeps another may refuse (a NUL in text)."""
    spec, lent = "memory", []
    if request.param == "sqlite":
        spec = f"sqlite:{tmp_path_factory.mktemp('hostile') / 'emulator.db'}"
    elif request.param == "postgresql":
        databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
        spec = databases.borrow()
        lent.append(spec)
    app = create_app(Settings(validate_responses=True, store=spec))
    yield app.test_client()
    app.extensions[EXTENSION].close()
    if lent:
        databases.give_back(lent)


@pytest.fixture(scope="module")
def ids(client: FlaskClient) -> Ids:
    return Ids(client)


@pytest.mark.parametrize(
    ("method", "template", "spec", "document"),
    OPERATIONS,
    ids=[f"{method.upper()} {path}" for method, path, _, _ in OPERATIONS],
)
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hostile_request_is_refused_cleanly(
    client: FlaskClient,
    ids: Ids,
    method: str,
    template: str,
    spec: dict[str, Any],
    document: dict[str, Any],
    data: st.DataObject,
) -> None:
    request = data.draw(requests(spec, document))
    path = _path(template, ids.get(), request["real"], request["segment"])
    before = client.get("/_emulator/state")
    with answered_within(ANSWER_SECONDS, f"{method.upper()} {path}"):
        response = client.open(
            path,
            method=method.upper(),
            query_string=request["query"],
            data=request["body"].encode("utf-8", "surrogatepass"),
            headers=request["headers"],
        )
    try:
        assert response.status_code < 500, (method, path, response.get_data(as_text=True)[:500])
        if response.status_code >= 400:
            _assert_envelope(response.status_code, response.json)
            assert client.get("/_emulator/state").json == before.json, (method, path)
        for readable in ("/seat-events", "/customers"):
            assert client.get(readable, headers={"Authorization": VALID}).status_code == 200
    finally:
        assert client.delete("/_emulator/faults").status_code == 200
        assert client.delete("/_emulator/clock").status_code == 200
        if response.status_code < 300 and template in ("/_emulator/reset", "/_emulator/state"):
            ids.known = {}
