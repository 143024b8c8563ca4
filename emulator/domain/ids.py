"""UUIDv7 ids: time-ordered, and strictly increasing within a process."""

from __future__ import annotations

import re
import secrets
import threading
import uuid
from collections.abc import Callable
from datetime import datetime

_SEQUENCE_BITS = 74  # rand_a (12 bits) and rand_b (62 bits) of RFC 9562
_SEQUENCE_LIMIT = 1 << _SEQUENCE_BITS
_RAND_B_MASK = (1 << 62) - 1
# The last millisecond a clock can show (9999-12-31T23:59:59.999Z): an id observed up to it
# leaves 2^74 ids in that millisecond and a whole 48-bit field above it, so minting never runs out.
LATEST_MS = 253_402_300_799_999
_CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_canonical_uuid(text: str) -> bool:
    """Whether `text` is a UUID as the emulator writes one: lower-case hex, 8-4-4-4-12."""
    return _CANONICAL.fullmatch(text) is not None


def uuid7_from_parts(unix_ms: int, sequence: int) -> str:
    """Lay out a UUIDv7 from its millisecond timestamp and its 74 bits of sequence."""
    rand_a = sequence >> 62
    value = (unix_ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62)
    digits = f"{value | (sequence & _RAND_B_MASK):032x}"  # what str(uuid.UUID(int=...)) gives
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def uuid7_problem(text: str) -> str | None:
    """Why `text` is not an id this emulator could have minted, or None when it is one."""
    if not is_canonical_uuid(text):
        return "Expected a lower-case UUID (as the emulator writes them), or no id at all"
    value = int(text.replace("-", ""), 16)
    if (value >> 76) & 0xF != 7 or (value >> 62) & 0b11 != 0b10:
        return "Expected a UUIDv7 (version 7, RFC 9562 variant), as the emulator mints"
    if value >> 80 > LATEST_MS:
        return "The id's time is after 9999-12-31: no later id could be minted"
    return None


class IdGenerator:
    """Mint UUIDv7 strings from a clock: thread-safe, monotonic even on a frozen clock."""

    def __init__(
        self, now: Callable[[], datetime], randbits: Callable[[int], int] = secrets.randbits
    ) -> None:
        self._now = now
        self._randbits = randbits
        self._lock = threading.Lock()
        self._last_ms = -1
        self._sequence = 0

    def observe(self, known_id: str) -> None:
        """Make every later id greater than `known_id` (an id imported from elsewhere)."""
        problem = uuid7_problem(known_id)
        if problem is not None:
            raise ValueError(f"{known_id!r}: {problem}")
        value = uuid.UUID(known_id).int
        unix_ms, sequence = value >> 80, ((value >> 64) & 0xFFF) << 62 | (value & _RAND_B_MASK)
        with self._lock:
            if (unix_ms, sequence) > (self._last_ms, self._sequence):
                self._last_ms, self._sequence = unix_ms, sequence

    def __call__(self) -> str:
        """A new id, greater than every id this generator minted before."""
        return self.at(self._now())

    def at(self, now: datetime) -> str:
        """A new id for the instant `now` (read from the clock by the caller)."""
        # A clock set before 1970 still mints valid ids: the time field cannot go below zero.
        unix_ms = max(0, int(now.timestamp() * 1000))
        with self._lock:
            if unix_ms > self._last_ms:
                # A fresh random start, with the top bit clear so the counter has room.
                self._last_ms, self._sequence = unix_ms, self._randbits(_SEQUENCE_BITS - 1)
            else:
                self._sequence += 1
                if self._sequence >= _SEQUENCE_LIMIT:
                    self._last_ms, self._sequence = self._last_ms + 1, 0
            return uuid7_from_parts(self._last_ms, self._sequence)
