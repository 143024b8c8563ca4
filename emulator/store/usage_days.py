"""Usage event counts per alias, event type and UTC day, kept up to date on write, so that
counting a period of whole days reads one row a day instead of every event. Storage only."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, select, update

from emulator.domain.seat_event_query import micros
from emulator.domain.seat_events import VOID_ALIAS
from emulator.domain.usage_events import UsageEvent
from emulator.store.database import Transaction
from emulator.store.statements import Prepared
from emulator.store.tables import usage_days as days
from emulator.store.tables import usage_events as events
from emulator.store.versions import ONE

DAY_US = 86_400_000_000
Counted = tuple[int, str | None, str | None]  # events, smallest id, largest id
BUCKET = and_(
    days.c.account_id == bindparam("account_id"),
    days.c.event_type == bindparam("event_type"),
    days.c.customer_alias == bindparam("customer_alias"),
    days.c.day == bindparam("day"),
)
# A new version has the greatest id of its account (ids are minted inside the write).
COUNT_UP = Prepared(
    update(days).where(BUCKET).values(events=days.c.events + 1, max_id=bindparam("id"))
)
NEW_DAY = Prepared(days.insert())
FORGET_DAY = Prepared(days.delete().where(BUCKET, days.c.events == 1))
COUNT_DOWN = Prepared(update(days).where(BUCKET).values(events=days.c.events - 1))
BOUNDS = Prepared(
    select(func.min(events.c.id), func.max(events.c.id)).where(
        events.c.account_id == bindparam("account_id"),
        events.c.event_type == bindparam("event_type"),
        events.c.customer_alias == bindparam("customer_alias"),
        events.c.effective == ONE,
        events.c.event_time >= bindparam("from_us"),
        events.c.event_time < bindparam("to_us"),
    )
)
SET_BOUNDS = Prepared(
    update(days).where(BUCKET).values(min_id=bindparam("low"), max_id=bindparam("high"))
)


def day_of(instant_us: int) -> int:
    """The UTC day (days since the epoch) of an instant in microseconds."""
    return instant_us // DAY_US


def _bucket(event: UsageEvent) -> dict[str, Any]:
    return {
        "account_id": event.account_id,
        "event_type": event.event_type,
        "customer_alias": event.customer_alias,
        "day": day_of(micros(event.event_time)),
    }


def count_in(transaction: Transaction, event: UsageEvent) -> None:
    """A new effective version counts in its day."""
    bucket = _bucket(event)
    if transaction.run(COUNT_UP, bucket | {"id": event.id}).rowcount == 0:
        transaction.run(NEW_DAY, bucket | {"events": 1, "min_id": event.id, "max_id": event.id})


def count_out(transaction: Transaction, event: UsageEvent) -> None:
    """A retired version (already marked so) stops counting; the day's bounds are read again."""
    bucket = _bucket(event)
    if transaction.run(FORGET_DAY, bucket).rowcount:
        return
    transaction.run(COUNT_DOWN, bucket)
    start = bucket["day"] * DAY_US
    row = transaction.first(BOUNDS, bucket | {"from_us": start, "to_us": start + DAY_US})
    assert row is not None  # an aggregate always answers one row
    low, high = row.values()
    transaction.run(SET_BOUNDS, bucket | {"low": low, "high": high})


def count_versions(transaction: Transaction, effective: Iterable[UsageEvent]) -> None:
    """Days for versions stored at once (an import), the effective ones given."""
    found: dict[tuple[Any, ...], list[Any]] = {}
    for event in effective:
        key = tuple(_bucket(event).values())
        known = found.setdefault(key, [0, event.id, event.id])
        known[0] += 1
        known[1], known[2] = min(known[1], event.id), max(known[2], event.id)
    names = ("account_id", "event_type", "customer_alias", "day")
    rows = [
        dict(zip(names, key, strict=True)) | {"events": n, "min_id": low, "max_id": high}
        for key, (n, low, high) in found.items()
    ]
    if rows:
        transaction.run_many(NEW_DAY, rows)


def whole_days(start: datetime, end: datetime) -> tuple[int, int]:
    """The whole UTC days [first, last) inside [start, end); first >= last when there are none."""
    return -(-micros(start) // DAY_US), micros(end) // DAY_US


def count_days(
    transaction: Transaction,
    account_id: str,
    event_type: str,
    aliases: Collection[str],
    span: tuple[int, int],
) -> Counted:
    """Events of the type for the aliases (VOID never) over whole days [first, last)."""
    chosen = sorted(set(aliases) - {VOID_ALIAS})
    if not chosen:
        return 0, None, None
    query = select(func.sum(days.c.events), func.min(days.c.min_id), func.max(days.c.max_id))
    query = query.where(
        days.c.account_id == account_id,
        days.c.event_type == event_type,
        days.c.customer_alias.in_(chosen),
        days.c.day >= span[0],
        days.c.day < span[1],
    )
    row = transaction.first(query)
    assert row is not None  # an aggregate always answers one row
    total, low, high = row.values()
    return int(total or 0), low, high


def combined(counts: Sequence[Counted]) -> Counted:
    """Counts of separate ranges, added up."""
    lows = [low for _, low, _ in counts if low is not None]
    highs = [high for _, _, high in counts if high is not None]
    return sum(n for n, _, _ in counts), min(lows, default=None), max(highs, default=None)
