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
    not_,
    or_,
    select,
)

from emulator.domain.pages import Page
from emulator.domain.seat_event_query import EPOCH, SortBy, micros
from emulator.domain.seat_events import VOID_ALIAS
from emulator.domain.usage_event_query import UsageEventFilter, UsageEventQuery
from emulator.domain.usage_events import Properties, UsageEvent
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
    """A superseded version stops counting; it stays stored."""
    VERSIONS.retire(transaction, event.account_id, event.id)


def insert_effective(transaction: Transaction, event: UsageEvent) -> bool:
    """Store a new effective version; False, storing nothing, when its customerEventId
    already has one."""
    return VERSIONS.insert_effective(transaction, event)


def insert_versions(
    transaction: Transaction, versions: Sequence[UsageEvent], effective_ids: set[str]
) -> None:
    """Store versions as they are, marking the effective ones."""
    VERSIONS.insert_versions(transaction, versions, effective_ids)


def page(transaction: Transaction, account_id: str, query: UsageEventQuery) -> Page[UsageEvent]:
    """One page of effective events passing the query's filters."""
    selected = SELECT_EVENTS.where(*_conditions(account_id, query.filter))
    by_time = query.sort_by is SortBy.EVENT_TIMESTAMP
    key = [events.c.event_time, events.c.id] if by_time else [events.c.id]
    listing = Listing(selected, key)
    return listing.page(transaction, query.page, USAGE_EVENTS.load, skip=query.offset)


def of_type(
    transaction: Transaction,
    account_id: str,
    event_type: str,
    aliases: Collection[str] | None = None,
    span_us: tuple[int, int] | None = None,
) -> Iterator[tuple[str, str, datetime, Properties]]:
    """The id, alias, instant and properties of each effective event of a type (VOID never),
    for some aliases (None: all) in [start, end) microseconds since the epoch (None: ever)."""
    columns = (events.c.id, events.c.customer_alias, events.c.event_time, events.c.event_properties)
    query = select(*columns).where(
        events.c.account_id == account_id,
        events.c.event_type == event_type,
        events.c.effective == ONE,
    )
    if aliases is None:
        query = query.where(events.c.customer_alias != VOID_ALIAS)
    else:
        chosen = sorted(set(aliases) - {VOID_ALIAS})
        query = query.where(events.c.customer_alias.in_(chosen) if chosen else false())
    if span_us is not None:
        start, end = span_us
        query = query.where(events.c.event_time >= start, events.c.event_time < end)
    for row in transaction.rows(query):
        when = EPOCH + timedelta(microseconds=row["event_time"])
        yield row["id"], row["customer_alias"], when, json.loads(row["event_properties"])


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
