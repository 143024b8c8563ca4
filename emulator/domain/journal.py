"""The request journal: what clients sent and what they got, bounded (BEHAVIOUR.md §9)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any

from emulator.domain.jsontext import strict_loads

BODY_LIMIT = 64 * 1024  # bytes kept of each body; the rest is cut and marked
HEADER_VALUE_LIMIT = 1024  # characters kept of each header's name and value
HEADERS_LIMIT = 16 * 1024  # characters kept of an entry's headers in all; the rest left out
BYTES_LIMIT = 64 * 1024 * 1024  # the in-process journal's whole size, oldest dropped first
PAGE_LIMIT = 1000  # entries a listing page holds unless `limit` says otherwise
PAGE_LIMIT_MAX = 10_000
PAGE_BYTES = 8 * 1024 * 1024  # a page stops early rather than exceed this (one entry always fits)
CUT_MARK = " [cut]"
LEFT_OUT = "[journal]"  # the stand-in header that says how many were left out
_SECRET_NAMES = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "emulator-admin-token"}
)
_SECRET_SUFFIXES = ("-token", "-key", "-secret", "-password", "-credentials", "-signature")
_NOT_SECRET = frozenset({"idempotency-key"})  # names a request, proves nothing


@dataclass(frozen=True)
class JournalEntry:
    """One request and its answer, bodies kept as bytes and decoded only when read."""

    sequence: int
    time: datetime
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    body_truncated: bool
    status: int  # 0 when the connection was dropped on purpose
    response_body: bytes
    response_truncated: bool
    account_id: str | None
    duration_ms: float

    @cached_property  # counted when kept, when dropped, and for every page read
    def size(self) -> int:
        """Roughly the bytes the entry holds."""
        texts = [
            self.path,
            *self.headers,
            *self.headers.values(),
            *self.query,
            *self.query.values(),
        ]
        return 256 + len(self.body) + len(self.response_body) + sum(map(len, texts))

    @property
    def request_json(self) -> Any:
        """The body as JSON, or as text when it is not JSON (or was cut); None when empty."""
        return decoded(self.body, self.body_truncated)

    @property
    def response_json(self) -> Any:
        """The response body, decoded the same way."""
        return decoded(self.response_body, self.response_truncated)

    @property
    def problems(self) -> list[Any]:
        """The validation problems the request was answered with."""
        answer = self.response_json if self.status == 400 else None
        error = answer.get("error") if isinstance(answer, dict) else None
        found = error.get("errors") if isinstance(error, dict) else None
        return list(found) if isinstance(found, list) else []


def decoded(data: bytes, cut: bool) -> Any:
    """JSON where it parses, text otherwise, None for nothing."""
    if not data:
        return None
    if not cut:
        try:
            return strict_loads(data)  # what was refused as too deep or not strict stays text
        except ValueError:
            pass
    return data.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class JournalQuery:
    """Which entries to list; None means 'any'."""

    method: str | None = None
    path: str | None = None
    status: int | None = None
    account_id: str | None = None
    since: datetime | None = None
    after: int = 0  # the sequence the page starts after: the previous page's `next`
    limit: int = PAGE_LIMIT

    def matches(self, entry: JournalEntry) -> bool:
        """Whether `entry` passes every filter and comes after the page's start."""
        return (
            entry.sequence > self.after
            and (self.method is None or entry.method == self.method.upper())
            and (self.path is None or entry.path == self.path)
            and (self.status is None or entry.status == self.status)
            and (self.account_id is None or entry.account_id == self.account_id)
            and (self.since is None or entry.time >= self.since)
        )


@dataclass(frozen=True)
class JournalPage:
    """One page of a listing, and the `after` that reads the next (None: the last page)."""

    items: list[JournalEntry]
    next: int | None


def journal_page(matching: Iterable[JournalEntry], limit: int) -> JournalPage:
    """The first `limit` of the matching entries, and no more than PAGE_BYTES of them."""
    items: list[JournalEntry] = []
    size = 0
    for entry in matching:
        if len(items) == limit or (items and size + entry.size > PAGE_BYTES):
            return JournalPage(items, items[-1].sequence)
        items.append(entry)
        size += entry.size
    return JournalPage(items, None)


@dataclass
class Journal:
    """The last `limit` entries, and no more than `max_bytes` of them, oldest dropped first;
    thread-safe."""

    limit: int = 10_000
    max_bytes: int = BYTES_LIMIT
    _entries: deque[JournalEntry] = field(init=False, default_factory=deque)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _next: int = field(init=False, default=1)
    _bytes: int = field(init=False, default=0)

    def __len__(self) -> int:
        return len(self._entries)

    def next_sequence(self) -> int:
        """A number for the next entry, increasing for the life of the server."""
        with self._lock:
            number, self._next = self._next, self._next + 1
            return number

    def record(self, entry: JournalEntry) -> None:
        """Keep an entry, dropping the oldest beyond either bound."""
        with self._lock:
            self._entries.append(entry)
            self._bytes += entry.size
            while len(self._entries) > 1 and (
                len(self._entries) > self.limit or self._bytes > self.max_bytes
            ):
                self._bytes -= self._entries.popleft().size

    def latest_sequence(self) -> int:
        """The newest sequence handed out (0 before any): every later entry comes after it."""
        with self._lock:
            return self._next - 1

    def entries(self, query: JournalQuery) -> list[JournalEntry]:
        """The matching entries, oldest first."""
        with self._lock:
            snapshot = list(self._entries)
        return [entry for entry in snapshot if query.matches(entry)]

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def kept_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """What the journal keeps of a request's headers: secrets redacted, each name and value
    cut at HEADER_VALUE_LIMIT, and no more than HEADERS_LIMIT characters in all."""
    kept: dict[str, str] = {}
    budget, left_out = HEADERS_LIMIT, 0
    for name, value in headers:
        shown_name, kind = _name_and_kind(name)
        shown = _cut(value if kind is None else _stand_in(kind, value))
        if len(shown_name) + len(shown) > budget:
            left_out += 1
            continue
        budget -= len(shown_name) + len(shown)
        kept[shown_name] = shown
    if left_out:
        kept[LEFT_OUT] = f"{left_out} more headers not kept"
    return kept


def _stand_in(kind: str, value: str) -> str:
    """What is kept of a credential: its scheme, if any."""
    scheme = value.split(" ", 1)[0] if " " in value and kind == "authorization" else ""
    return f"{scheme[:32]} [redacted]".strip()


@lru_cache(maxsize=1024)  # every request names the same few headers; a bounded cache
def _name_and_kind(name: str) -> tuple[str, str | None]:
    """The name as kept, and None for a header that proves nothing, else "authorization" or
    "secret"."""
    lowered = name.lower()
    secret = lowered in _SECRET_NAMES or lowered.endswith(_SECRET_SUFFIXES)
    if not secret or lowered in _NOT_SECRET:
        return _cut(name), None
    return _cut(name), "authorization" if "authorization" in lowered else "secret"


def _cut(text: str) -> str:
    return text[:HEADER_VALUE_LIMIT] + CUT_MARK if len(text) > HEADER_VALUE_LIMIT else text


def clipped(data: bytes, limit: int = BODY_LIMIT) -> tuple[bytes, bool]:
    """At most `limit` bytes of `data`, and whether anything was cut."""
    return (data[:limit], True) if len(data) > limit else (data, False)
