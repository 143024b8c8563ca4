"""Sequence's documented rate limit, opt-in: N requests per period per client id."""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

_PERIODS = {
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "m": 60.0,
    "min": 60.0,
    "minute": 60.0,
    "h": 3600.0,
    "hour": 3600.0,
}
_LIMIT = re.compile(r"\s*(\d+)\s*/\s*([a-z]+)\s*")


class InvalidRateLimitError(ValueError):
    """A rate limit that is not `<count>/<s|min|h>`."""


@dataclass(frozen=True)
class RateLimit:
    """At most `count` requests per `period` seconds."""

    count: int
    period: float

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """Read `1500/min`, `10/s`, `100/hour`."""
        match = _LIMIT.fullmatch(text.lower())
        if match is None or match[2] not in _PERIODS or int(match[1]) < 1:
            raise InvalidRateLimitError(f"rate limit {text!r}: expected <count>/<s|min|hour>")
        return cls(int(match[1]), _PERIODS[match[2]])


class RateLimiter:
    """A sliding window per client id, in real (monotonic) time."""

    def __init__(self, limit: RateLimit, now: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._now = now
        self._lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}

    def retry_after(self, client_id: str) -> int | None:
        """None if the request may go ahead (and count it); else seconds to wait."""
        now = self._now()
        with self._lock:
            window = self._windows.setdefault(client_id, deque())
            while window and window[0] <= now - self.limit.period:
                window.popleft()
            if len(window) >= self.limit.count:
                return max(1, math.ceil(window[0] + self.limit.period - now))
            window.append(now)
            return None

    def reset(self) -> None:
        """Forget every window."""
        with self._lock:
            self._windows.clear()
