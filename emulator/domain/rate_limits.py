"""Sequence's documented rate limit, opt-in: N requests per period per client id."""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict, deque
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
# re.ASCII: else \d reads any script's digits (Arabic-Indic, fullwidth), as str.isdigit() does;
# like the other numeric flags, a rate limit takes ASCII digits only.
_LIMIT = re.compile(r"\s*(\d+)\s*/\s*([a-z]+)\s*", re.ASCII)
_PER = {1.0: "a second", 60.0: "a minute", 3600.0: "an hour"}


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

    def __str__(self) -> str:
        per = _PER.get(self.period) or f"per {self.period:g}s"
        return f"{self.count} requests {per}"


# Sequence documents a higher limit of its own for POST /usage-events, its busiest endpoint.
USAGE_EVENTS_LIMIT = RateLimit(12_000, 60.0)


# Open credentials give every client id its own window: past this many live ones, the window
# least recently counted is forgotten, so a stream of new ids cannot grow memory [decision].
MAX_CLIENTS = 4096


class RateLimiter:
    """A sliding window per client id, in real (monotonic) time; expired windows are dropped."""

    def __init__(
        self,
        limit: RateLimit,
        now: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self.limit = limit
        self._now = now
        self._max_clients = max_clients
        self._lock = threading.Lock()
        # Ordered by each window's newest request, oldest first: expired ones are at the front.
        self._windows: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, client_id: str) -> int | None:
        """None if the request may go ahead (and count it); else seconds to wait."""
        with self._lock:
            now = self._now()  # read under the lock, so requests are counted in time order
            self._forget_expired(now)
            window = self._windows.get(client_id) or deque()
            while window and window[0] <= now - self.limit.period:
                window.popleft()
            if len(window) >= self.limit.count:
                return max(1, math.ceil(window[0] + self.limit.period - now))
            window.append(now)
            self._windows[client_id] = window
            self._windows.move_to_end(client_id)
            while len(self._windows) > self._max_clients:
                self._windows.popitem(last=False)
            return None

    def tracked(self) -> int:
        """How many client ids have a window."""
        with self._lock:
            return len(self._windows)

    def _forget_expired(self, now: float) -> None:
        while self._windows:
            oldest = next(iter(self._windows.values()))
            if oldest[-1] > now - self.limit.period:
                return
            self._windows.popitem(last=False)

    def reset(self) -> None:
        """Forget every window."""
        with self._lock:
            self._windows.clear()


def limiter_for(limit: RateLimit | None) -> RateLimiter | None:
    """A window per client id under `limit`; None when that limit is off."""
    return RateLimiter(limit) if limit is not None else None
