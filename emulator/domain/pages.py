"""Cursor pagination over a sorted sequence of keys (BEHAVIOUR.md §5)."""

from __future__ import annotations

import base64
import binascii
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Generic, Protocol, TypeVar

from emulator.domain.ids import is_canonical_uuid


class Comparable(Protocol):
    """A key that sorts."""

    def __lt__(self, other: Any, /) -> bool: ...


T = TypeVar("T")
K = TypeVar("K", bound=Comparable)


_INTEGER = re.compile(r"-?[0-9]{1,19}")


class InvalidCursorError(ValueError):
    """A cursor this server did not make, or made for another sort."""


@dataclass(frozen=True)
class PageRequest(Generic[K]):
    """Which page: its size, its order, and at most one cursor key."""

    limit: int = 20
    descending: bool = True
    after: K | None = None
    before: K | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of items, and whether there are items on either side of it."""

    items: list[T]
    has_before: bool
    has_after: bool
    total: int


def paginate(
    keys: Sequence[K],
    item_at: Callable[[int], T],
    matches: Callable[[T], bool],
    request: PageRequest[K],
    total: int,
) -> Page[T]:
    """Slice the items whose ascending `keys` are given into the requested page."""
    walker = _Walker(keys, item_at, matches, forward=-1 if request.descending else 1)
    if request.before is not None:
        return walker.page_before(request.before, request.limit, total)
    return walker.page_after(request.after, request.limit, total)


@dataclass
class _Walker(Generic[K, T]):
    """Walks the sorted keys in the page's logical order (`forward` is the physical step)."""

    keys: Sequence[K]
    item_at: Callable[[int], T]
    matches: Callable[[T], bool]
    forward: int

    def page_after(self, cursor: K | None, limit: int, total: int) -> Page[T]:
        start = self._first_after(cursor)
        found = self._take(start, self.forward, limit)
        has_after = bool(found) and self._any(found[-1][0] + self.forward, self.forward)
        has_before = cursor is not None and self._any(start - self.forward, -self.forward)
        return Page([item for _, item in found], has_before, has_after, total)

    def page_before(self, cursor: K, limit: int, total: int) -> Page[T]:
        start = self._last_before(cursor)
        found = self._take(start, -self.forward, limit)[::-1]
        has_before = bool(found) and self._any(found[0][0] - self.forward, -self.forward)
        has_after = self._any(start + self.forward, self.forward)
        return Page([item for _, item in found], has_before, has_after, total)

    def _first_after(self, cursor: K | None) -> int:
        """Physical index of the first key logically after `cursor` (or of the very first)."""
        if self.forward > 0:
            return 0 if cursor is None else bisect_right(self.keys, cursor)
        if cursor is None:
            return len(self.keys) - 1
        return bisect_left(self.keys, cursor) - 1

    def _last_before(self, cursor: K) -> int:
        """Physical index of the first key logically before `cursor`, walking backwards."""
        if self.forward > 0:
            return bisect_left(self.keys, cursor) - 1
        return bisect_right(self.keys, cursor)

    def _walk(self, start: int, step: int) -> Iterator[tuple[int, T]]:
        index = start
        while 0 <= index < len(self.keys):
            item = self.item_at(index)
            if self.matches(item):
                yield index, item
            index += step

    def _take(self, start: int, step: int, limit: int) -> list[tuple[int, T]]:
        return list(islice(self._walk(start, step), limit))

    def _any(self, start: int, step: int) -> bool:
        return next(self._walk(start, step), None) is not None


def encode_cursor(*parts: Any) -> str:
    """An opaque cursor: URL-safe base64 of the key's parts joined by commas."""
    return base64.urlsafe_b64encode(",".join(str(part) for part in parts).encode()).decode()


def decode_cursor(text: str, parts: int) -> list[str]:
    """The key parts of a cursor made by encode_cursor, or InvalidCursorError."""
    try:
        padded = text + "=" * (-len(text) % 4)
        decoded = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        fields = decoded.decode("utf-8").split(",")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursorError(f"{text!r} is not a cursor from this server") from None
    if len(fields) != parts or not all(fields):
        raise InvalidCursorError(f"{text!r} is not a cursor for this sort")
    return fields


def cursor_id(value: str, text: str) -> str:
    """`value` when it is an id as this server writes them (one spelling of each UUID)."""
    if not is_canonical_uuid(value):
        raise InvalidCursorError(f"{text!r} is not a cursor from this server")
    return value


def cursor_integer(value: str, text: str, limit: int) -> int:
    """`value` as an integer strictly between -limit and limit, written in ASCII digits."""
    if _INTEGER.fullmatch(value) is None or not -limit < int(value) < limit:
        raise InvalidCursorError(f"{text!r} is not a cursor for this sort")
    return int(value)
