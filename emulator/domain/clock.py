"""The emulator's clock: the system's, or frozen, or moved (BEHAVIOUR.md §8)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone


def system_now() -> datetime:
    """The system's current time, in UTC."""
    return datetime.now(timezone.utc)


class Clock:
    """One clock per server; balances, ordering and ids all read it."""

    def __init__(self, source: Callable[[], datetime] = system_now) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._frozen_at: datetime | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        """The emulator's current time, timezone-aware in UTC."""
        frozen = self._frozen_at
        return frozen if frozen is not None else self._source() + self._offset

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still."""
        return self._frozen_at is not None

    def freeze(self, at: datetime) -> None:
        """Stop the clock at `at`."""
        with self._lock:
            self._frozen_at = at.astimezone(timezone.utc)

    def advance(self, by: timedelta) -> None:
        """Move the clock forward (or back) by `by`, frozen or running."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += by
            else:
                self._offset += by

    def pin(self) -> None:
        """Read the clock's settings once for what follows in this thread (a request); an
        in-process clock has nothing to read."""

    def unpin(self) -> None:
        """Read the settings afresh again."""

    def resume(self) -> None:
        """Return to the system's time."""
        with self._lock:
            self._frozen_at = None
            self._offset = timedelta(0)
