"""The journal keeps bounded, secret-free copies of what it is sent (BEHAVIOUR.md §9)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import SEQUENCE_EXAMPLE, NewStore, basic
from flask.testing import FlaskClient

from emulator.domain.journal import (
    CUT_MARK,
    HEADER_VALUE_LIMIT,
    HEADERS_LIMIT,
    LEFT_OUT,
    Journal,
    JournalEntry,
    JournalQuery,
    kept_headers,
)
from emulator.rules import open_store
from emulator.rules.controls import SharedJournal

SECRET = "s3cr3t-value-that-must-not-leak"


def journal(client: FlaskClient) -> list[dict[str, Any]]:
    response = client.get("/_emulator/requests")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("Authorization", f"Bearer {SECRET}", "Bearer [redacted]"),
        ("Proxy-Authorization", f"Basic {SECRET}", "Basic [redacted]"),
        ("Emulator-Admin-Token", SECRET, "[redacted]"),
        ("X-Api-Key", SECRET, "[redacted]"),
        ("X-AUTH-TOKEN", SECRET, "[redacted]"),
        ("X-Webhook-Secret", SECRET, "[redacted]"),
        ("X-Client-Password", SECRET, "[redacted]"),
        ("X-Request-Signature", SECRET, "[redacted]"),
    ],
)
def test_credential_headers_are_redacted(
    client: FlaskClient, name: str, value: str, shown: str
) -> None:
    client.get("/seat-events", headers=basic() | {name: value})
    [entry] = journal(client)
    assert entry["headers"][name.title() if name.isupper() else name] == shown
    assert SECRET not in json.dumps(entry)


@pytest.mark.parametrize("name", ["Cookie", "set-cookie", "PROXY-AUTHORIZATION", "X-Private-Key"])
def test_kept_headers_redacts_whatever_the_case(name: str) -> None:
    assert SECRET not in json.dumps(kept_headers([(name, f"x {SECRET}")]))


def test_headers_that_name_rather_than_prove_are_kept(client: FlaskClient) -> None:
    headers = basic() | {"Idempotency-Key": "k-1", "X-Trace": "t-1", "Tokenizer": "t"}
    client.get("/seat-events", headers=headers)
    [entry] = journal(client)
    assert (entry["headers"]["Idempotency-Key"], entry["headers"]["X-Trace"]) == ("k-1", "t-1")
    assert entry["headers"]["Tokenizer"] == "t"


@pytest.mark.parametrize("length", [HEADER_VALUE_LIMIT + 1, 64 * 1024, 1024 * 1024])
def test_a_long_header_value_is_cut_and_marked(client: FlaskClient, length: int) -> None:
    response = client.post(
        "/seat-events", json=SEQUENCE_EXAMPLE, headers=basic() | {"X-Big": "v" * length}
    )
    assert response.status_code == 201
    [entry] = journal(client)
    assert entry["headers"]["X-Big"] == "v" * HEADER_VALUE_LIMIT + CUT_MARK


def test_an_entrys_headers_are_bounded_in_all(client: FlaskClient) -> None:
    many = {f"X-H-{i}": "v" * 1000 for i in range(60)}
    client.get("/seat-events", headers=basic() | many)
    [entry] = journal(client)
    kept = entry["headers"]
    assert sum(len(k) + len(v) for k, v in kept.items() if k != LEFT_OUT) <= HEADERS_LIMIT
    assert kept[LEFT_OUT].endswith("more headers not kept")
    assert "Authorization" in kept  # the first headers are the ones kept


def test_kept_headers_cuts_names_too() -> None:
    kept = kept_headers([("X-" + "n" * 5000, "v")])
    [(name, value)] = kept.items()
    assert (len(name), value) == (HEADER_VALUE_LIMIT + len(CUT_MARK), "v")


def entry(sequence: int, body: bytes = b"") -> JournalEntry:
    return JournalEntry(
        sequence, datetime(2024, 1, 1, tzinfo=UTC), "POST", "/seat-events", {}, {},
        body, False, 201, b"", False, None, 0.0,
    )  # fmt: skip


@pytest.mark.parametrize(("body", "kept"), [(1000, 10), (10_000, 4), (100_000, 1)])
def test_the_journal_is_bounded_by_bytes_as_well_as_entries(body: int, kept: int) -> None:
    book = Journal(limit=10, max_bytes=50_000)
    for sequence in range(1, 21):
        book.record(entry(sequence, b"x" * body))
    listed = book.entries(JournalQuery())
    assert [e.sequence for e in listed] == list(range(21 - kept, 21))
    assert len(book) == kept
    book.clear()
    book.record(entry(99, b"x" * 1000))
    assert len(book) == 1


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_shared_journal_is_bounded_by_bytes_too_every_64_entries(
    kind: str, new_store_spec: NewStore
) -> None:
    with open_store(new_store_spec(kind)) as store:
        book = SharedJournal(store.database, limit=1000, max_bytes=50_000)
        for _ in range(128):
            book.record(entry(0, b"x" * 10_000))
        listed = book.entries(JournalQuery())
        assert [e.sequence for e in listed] == [125, 126, 127, 128]
        assert sum(e.size for e in listed) <= 50_000
        for _ in range(63):
            book.record(entry(0, b"x" * 10))
        book.record(entry(0, b"x" * 100_000))  # alone over the bound: still kept, alone
        assert [e.sequence for e in book.entries(JournalQuery())] == [192]
        assert len(book) == 1
