"""What reaches the HTTP server itself: chunked bodies past the limit, malformed chunks, and
requests the server refuses before the app sees them, all answered in the envelope (§2-§3)."""

from __future__ import annotations

import io
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import SEQUENCE_EXAMPLE, basic
from flask import Flask

from emulator.app import create_app
from emulator.config import Settings
from emulator.http.context import EXTENSION
from emulator.server import EmulatorServer

MIB = 1024 * 1024
READ_TIMEOUT_S = 0.5  # the servers here give up on a silent client sooner than serve's 5 s
DEADLINE_S = READ_TIMEOUT_S + 5  # every exchange below ends (an answer or a close) before this


@pytest.fixture
def server(app: Flask) -> Iterator[EmulatorServer]:
    """The emulator on a free port of 127.0.0.1, in a thread of this process."""
    running = EmulatorServer(app, "127.0.0.1", 0, read_timeout_s=READ_TIMEOUT_S).start()
    yield running
    running._server.shutdown()  # the app fixture closes the store
    running._server.server_close()


def exchange(
    server: EmulatorServer, *parts: bytes, pause: float = 0
) -> tuple[int, dict[str, str], bytes]:
    """Send `parts` on a fresh connection (pausing between them), read to the close; the
    status, headers and body. Bounded by DEADLINE_S whatever the server does."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE_S) as sock:
        try:
            for part in parts:
                sock.sendall(part)
                time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before taking everything
        received = bytearray()
        while time.monotonic() - started < DEADLINE_S:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    assert time.monotonic() - started < DEADLINE_S, "the server held the connection open"
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def envelope(status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The error body, after checking that it is the JSON envelope and nothing else."""
    assert headers["content-type"] == "application/json; charset=utf-8", (status, body[:200])
    assert b"<html" not in body.lower() and b"Traceback" not in body
    error = json.loads(body)["error"]
    assert set(error) == {"type", "message", "errors"}
    return error  # type: ignore[no-any-return]


def request_head(method: str, path: str, extra: str = "") -> bytes:
    auth = basic()["Authorization"]
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n"
        f"Content-Type: application/json\r\n{extra}"
    ).encode()


def chunked(body: bytes, size: int) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def event_body(padding: int) -> bytes:
    return json.dumps({**SEQUENCE_EXAMPLE, "padding": "x" * padding}).encode()


def stored(app: Flask) -> int:
    return app.extensions[EXTENSION].store.count_seat_events()  # type: ignore[no-any-return]


# --- chunked bodies and the size limit ------------------------------------------------------


@pytest.mark.parametrize(
    ("padding", "size"), [(2 * MIB, 64 * 1024), (MIB, MIB + 4096), (MIB + 1, 7), (5 * MIB, MIB)]
)
def test_a_chunked_body_over_the_limit_is_a_413(
    app: Flask, server: EmulatorServer, padding: int, size: int
) -> None:
    if size < 100:  # tiny chunks: enough of them to pass the limit, not the whole body
        padding = MIB + 1
    head = request_head("POST", "/seat-events", "Transfer-Encoding: chunked\r\n\r\n")
    status, headers, body = exchange(server, head, chunked(event_body(padding), size))
    assert status == 413
    assert envelope(status, headers, body)["type"] == "PayloadTooLarge"
    assert stored(app) == 0


def test_a_chunked_body_within_the_limit_is_served(app: Flask, server: EmulatorServer) -> None:
    head = request_head("POST", "/seat-events", "Transfer-Encoding: chunked\r\n\r\n")
    status, _, body = exchange(server, head, chunked(event_body(MIB - 1024), 4096))
    assert status == 201, body[:300]
    assert stored(app) == 1


@pytest.mark.parametrize(
    "broken",
    [
        b"zz\r\n{}\r\n0\r\n\r\n",  # not a hexadecimal size
        b"-5\r\n{}\r\n0\r\n\r\n",  # a negative size
        b"ffffffffffffffffffff\r\n{",  # a size far beyond what follows, then nothing
        b'10\r\n{"a":',  # a chunk cut short, then silence
        b"",  # headers announce chunks, none come
    ],
)
def test_a_malformed_chunked_body_ends_within_seconds(
    app: Flask, server: EmulatorServer, broken: bytes
) -> None:
    head = request_head("POST", "/seat-events", "Transfer-Encoding: chunked\r\n\r\n")
    status, headers, body = exchange(server, head, broken)
    assert status == 400
    error = envelope(status, headers, body)
    assert [problem["key"] for problem in error["errors"]] == ["body"]
    assert stored(app) == 0


@pytest.mark.parametrize("store_kind", ["memory"])
def test_the_control_plane_limit_holds_for_chunked_bodies_too(store_kind: str) -> None:
    app = create_app(Settings(validate_responses=True, max_state_bytes=4096))
    client = app.test_client()
    for size in (4097, 64 * 1024):
        state = json.dumps({"format": "sequence-emulator-state", "pad": "x" * size}).encode()
        response = client.put(
            "/_emulator/state",
            input_stream=io.BytesIO(state),
            headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )
        assert response.status_code == 413
        assert response.get_json()["error"]["type"] == "PayloadTooLarge"
    app.extensions[EXTENSION].close()


# --- what the server refuses before the app sees it -----------------------------------------


@pytest.mark.parametrize(
    ("raw", "status", "key"),
    [
        (b"GARBAGE\r\n\r\n", 400, "request"),
        (b"GET / HTTP/1.1 extra words\r\n\r\n", 400, "request"),
        (b"GET /seat-events HTTP/9.9\r\nHost: x\r\n\r\n", 505, None),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "path"),
        (b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431, "headers"),
        (
            b"GET / HTTP/1.1\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(120)) + b"\r\n",
            431,
            "headers",
        ),
    ],
)
def test_the_servers_own_refusals_are_in_the_envelope(
    server: EmulatorServer, raw: bytes, status: int, key: str | None
) -> None:
    answered, headers, body = exchange(server, raw)
    assert answered == status
    error = envelope(answered, headers, body)
    assert headers["sequence-version"] == "2024-07-30"
    if key is None:
        assert (error["type"], error["errors"]) == ("InternalError", [])
    else:
        assert error["type"] == "validationError"
        assert [problem["key"] for problem in error["errors"]] == [key]


@pytest.mark.parametrize(
    ("method", "path", "status", "error_type"),
    [
        ("GET", "/no-such-thing", 404, "NotFound"),
        ("GET", "/_emulator/nothing-here", 404, "NotFound"),
        ("DELETE", "/seat-events", 405, "MethodNotAllowed"),
        ("PATCH", "/_emulator/clock", 405, "MethodNotAllowed"),
        ("BREW", "/seat-events", 405, "MethodNotAllowed"),
    ],
)
def test_the_apps_own_http_errors_are_in_the_envelope_over_a_socket(
    server: EmulatorServer, method: str, path: str, status: int, error_type: str
) -> None:
    answered, headers, body = exchange(
        server, request_head(method, path, "Connection: close\r\n\r\n")
    )
    assert answered == status
    assert envelope(answered, headers, body)["type"] == error_type
