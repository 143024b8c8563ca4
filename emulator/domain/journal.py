"""The request journal: what clients sent and what they got, bounded (BEHAVIOUR.md §9)."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emulator.domain.jsontext import strict_loads

BODY_LIMIT = 64 * 1024  # bytes kept of each body; the rest is cut and marked


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

    def matches(self, entry: JournalEntry) -> bool:
        """Whether `entry` passes every filter."""
        return (
            (self.method is None or entry.method == self.method.upper())
            and (self.path is None or entry.path == self.path)
            and (self.status is None or entry.status == self.status)
            and (self.account_id is None or entry.account_id == self.account_id)
            and (self.since is None or entry.time >= self.since)
        )


@dataclass
class Journal:
    """The last `limit` entries, oldest dropped first; thread-safe."""

    limit: int = 10_000
    _entries: deque[JournalEntry] = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _next: int = field(init=False, default=1)

    def __post_init__(self) -> None:
        self._entries = deque(maxlen=self.limit)

    def __len__(self) -> int:
        return len(self._entries)

    def next_sequence(self) -> int:
        """A number for the next entry, increasing for the life of the server."""
        with self._lock:
            number, self._next = self._next, self._next + 1
            return number

    def record(self, entry: JournalEntry) -> None:
        """Keep an entry, dropping the oldest beyond the limit."""
        with self._lock:
            self._entries.append(entry)

    def entries(self, query: JournalQuery) -> list[JournalEntry]:
        """The matching entries, oldest first."""
        with self._lock:
            snapshot = list(self._entries)
        return [entry for entry in snapshot if query.matches(entry)]

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()


def clipped(data: bytes, limit: int = BODY_LIMIT) -> tuple[bytes, bool]:
    """At most `limit` bytes of `data`, and whether anything was cut."""
    return (data[:limit], True) if len(data) > limit else (data, False)
