"""Usage event rows: versions (VERSIONS), list pages, and the ranges a calculation reads.
Storage only: which version counts is decided in emulator.rules."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    exists,
    false,
    func,
    not_,
    or_,
    select,
)

from emulator.domain.pages import Page
from emulator.domain.seat_event_query import EPOCH, SortBy, micros
from emulator.domain.seat_events import VOID_ALIAS
from emulator.domain.usage_event_query import UsageEventFilter, UsageEventQuery
from emulator.domain.usage_events import Properties, UsageEvent
from emulator.store import usage_days
from emulator.store.database import Transaction
from emulator.store.listing import Listing
from emulator.store.rows import USAGE_EVENTS
from emulator.store.tables import customer_aliases, customers
from emulator.store.tables import usage_events as events
from emulator.store.versions import ONE, Versions

SELECT_EVENTS = select(*USAGE_EVENTS.columns)
VERSIONS = Versions(events, USAGE_EVENTS)


def effective(transaction: Transaction, account_id: str, key: str) -> UsageEvent | None:
    """The effective version of one customerEventId."""
    return VERSIONS.effective(transaction, account_id, key)


def retire(transaction: Transaction, event: UsageEvent) -> None:
    """A superseded version stops counting (in its day too); it stays stored."""
    VERSIONS.retire(transaction, event.account_id, event.id)
    usage_days.count_out(transaction, event)


def insert_effective(transaction: Transaction, event: UsageEvent) -> None:
    """Store a new effective version, and count it in its day."""
    VERSIONS.insert_effective(transaction, event)
    usage_days.count_in(transaction, event)


def insert_versions(
    transaction: Transaction, versions: Sequence[UsageEvent], effective_ids: set[str]
) -> None:
    """Store versions as they are, marking the effective ones and counting them by day."""
    VERSIONS.insert_versions(transaction, versions, effective_ids)
    usage_days.count_versions(transaction, (e for e in versions if e.id in effective_ids))


def page(transaction: Transaction, account_id: str, query: UsageEventQuery) -> Page[UsageEvent]:
    """One page of effective events passing the query's filters."""
    selected = SELECT_EVENTS.where(*_conditions(account_id, query.filter))
    by_time = query.sort_by is SortBy.EVENT_TIMESTAMP
    key = [events.c.event_time, events.c.id] if by_time else [events.c.id]
    listing = Listing(selected, key)
    return listing.page(transaction, query.page, USAGE_EVENTS.load, skip=query.offset)


def _in_period(
    account_id: str, event_type: str, aliases: Collection[str], start: datetime, end: datetime
) -> list[ColumnElement[bool]]:
    """Effective events of a type, for some aliases (VOID never), in [start, end)."""
    return [
        events.c.account_id == account_id,
        events.c.event_type == event_type,
        events.c.customer_alias.in_(sorted(set(aliases) - {VOID_ALIAS})) if aliases else false(),
        events.c.effective == ONE,
        events.c.event_time >= micros(start),
        events.c.event_time < micros(end),
    ]


def count_in_period(
    transaction: Transaction,
    account_id: str,
    event_type: str,
    aliases: Collection[str],
    period: tuple[datetime, datetime],
) -> usage_days.Counted:
    """How many such events, and their smallest and largest id: whole days from their
    counts, the parts of days at either end from the events."""
    start, end = period
    first, last = usage_days.whole_days(start, end)
    if first >= last:
        return _counted(transaction, account_id, event_type, aliases, start, end)
    return usage_days.combined(
        [
            _counted(transaction, account_id, event_type, aliases, start, _day(first)),
            usage_days.count_days(transaction, account_id, event_type, aliases, (first, last)),
            _counted(transaction, account_id, event_type, aliases, _day(last), end),
        ]
    )


def _day(day: int) -> datetime:
    return EPOCH + timedelta(days=day)


def _counted(
    transaction: Transaction,
    account_id: str,
    event_type: str,
    aliases: Collection[str],
    start: datetime,
    end: datetime,
) -> usage_days.Counted:
    """Such events counted one by one, in [start, end)."""
    if start >= end:
        return 0, None, None
    query = select(func.count(), func.min(events.c.id), func.max(events.c.id)).where(
        *_in_period(account_id, event_type, aliases, start, end)
    )
    row = transaction.first(query)
    assert row is not None  # an aggregate always answers one row
    count, low, high = row.values()
    return int(count), low, high


def properties_in_period(
    transaction: Transaction,
    account_id: str,
    event_type: str,
    aliases: Collection[str],
    period: tuple[datetime, datetime],
) -> Iterator[tuple[str, Properties]]:
    """The id and properties of each such event."""
    query = select(events.c.id, events.c.event_properties).where(
        *_in_period(account_id, event_type, aliases, *period)
    )
    for row in transaction.rows(query):
        yield row["id"], json.loads(row["event_properties"])


def _conditions(account_id: str, wanted: UsageEventFilter) -> Iterator[ColumnElement[bool]]:
    yield events.c.account_id == account_id
    yield events.c.effective == ONE
    if wanted.customer_aliases is not None:
        yield events.c.customer_alias.in_(sorted(wanted.customer_aliases))
    if wanted.event_type is not None:
        yield events.c.event_type == wanted.event_type
    if wanted.event_id is not None:
        yield events.c.id == wanted.event_id
    if wanted.at_or_after is not None:
        yield events.c.event_time >= micros(wanted.at_or_after)
    if wanted.before is not None:
        yield events.c.event_time < micros(wanted.before)
    if wanted.unmapped_only:
        yield not_(_mapped(account_id))


def _mapped(account_id: str) -> ColumnElement[bool]:
    """The event's alias stands for a customer: a live alias of one, or a customer's id."""
    alias = exists().where(
        customer_aliases.c.account_id == account_id,
        customer_aliases.c.value == events.c.customer_alias,
        customer_aliases.c.deleted_at.is_(None),
        customer_aliases.c.archived_at.is_(None),
    )
    customer = exists().where(
        customers.c.account_id == account_id, customers.c.id == events.c.customer_alias
    )
    return or_(alias, customer)
