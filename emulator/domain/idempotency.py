"""Idempotency-Key on POST /customer-aliases (BEHAVIOUR.md §11).

Sequence: "Retrying with the same key returns the original response, and the operation runs at
most once. Keys are retained for 24 hours; after that, a request with the same key is treated
as new." Keys are per account, and the 24 hours run on the emulator's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from emulator.domain.customers import CustomerAlias

RETENTION = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """A request's key, and when (emulator clock) the request arrived."""

    key: str
    now: datetime


@dataclass(frozen=True, slots=True)
class Remembered:
    """What a key brought: the alias as the first request answered it."""

    recorded_at: datetime
    alias: CustomerAlias


def still_held(recorded_at: datetime, now: datetime) -> bool:
    """Whether a key recorded at `recorded_at` is retained at `now`."""
    return now - recorded_at < RETENTION
