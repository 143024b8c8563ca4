"""Seat event rows: versions, the one effective version per customerEventId, and the series
index that balances read. Storage only: which version counts is decided in emulator.rules."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    select,
    true,
    update,
)

from emulator.domain.pages import Page, PageRequest
from emulator.domain.seat_event_query import SeatEventFilter, SeatEventKey, SortBy, micros
from emulator.domain.seat_events import VOID_ALIAS, SeatEvent
from emulator.store.database import Transaction
from emulator.store.listing import Listing
from emulator.store.rows import EVENTS
from emulator.store.statements import Prepared
from emulator.store.tables import seat_events as events
from emulator.store.tables import seat_series as series
from emulator.store.versions import ONE, Versions

SELECT_EVENTS = select(*EVENTS.columns)
VERSIONS = Versions(events, EVENTS)
SERIES = and_(
    series.c.account_id == bindparam("account_id"),
    series.c.customer_alias == bindparam("customer_alias"),
    series.c.seat_type == bindparam("seat_type"),
)
COUNT_UP = Prepared(update(series).where(SERIES).values(events=series.c.events + 1))
COUNT_DOWN = Prepared(update(series).where(SERIES).values(events=series.c.events - 1))
FORGET_SERIES = Prepared(series.delete().where(SERIES, series.c.events == 1))
NEW_SERIES = Prepared(series.insert())
EFFECTIVE_COUNT = Prepared(
    select(func.coalesce(func.sum(series.c.events), 0)).where(
        series.c.account_id == bindparam("account_id")
    )
)


def version(transaction: Transaction, account_id: str, event_id: str) -> SeatEvent | None:
    """One stored version by id."""
    return VERSIONS.version(transaction, account_id, event_id)


def effective(
    transaction: Transaction, account_id: str, customer_event_id: str
) -> SeatEvent | None:
    """The effective version of one customerEventId."""
    return VERSIONS.effective(transaction, account_id, customer_event_id)


def insert_effective(transaction: Transaction, event: SeatEvent) -> bool:
    """Store a new effective version, and count it in its series; False, storing nothing,
    when its customerEventId already has one."""
    if not VERSIONS.insert_effective(transaction, event):
        return False
    key = _series_key(event)
    if transaction.run(COUNT_UP, key).rowcount == 0:
        transaction.run(NEW_SERIES, key | {"events": 1})
    return True


def retire(transaction: Transaction, event: SeatEvent) -> None:
    """A superseded version stops counting: out of its series, still retrievable by id."""
    VERSIONS.retire(transaction, event.account_id, event.id)
    key = _series_key(event)
    if transaction.run(FORGET_SERIES, key).rowcount == 0:
        transaction.run(COUNT_DOWN, key)


def insert_versions(
    transaction: Transaction, versions: Sequence[SeatEvent], effective_ids: set[str]
) -> None:
    """Store versions as they are, and count the effective ones in their series."""
    VERSIONS.insert_versions(transaction, versions, effective_ids)
    counts: dict[tuple[str, str, str], int] = {}
    for event in versions:
        if event.id in effective_ids:
            key = (event.account_id, event.customer_alias, event.seat_type)
            counts[key] = counts.get(key, 0) + 1
    transaction.run_many(
        NEW_SERIES,
        [
            {"account_id": a, "customer_alias": c, "seat_type": s, "events": n}
            for (a, c, s), n in counts.items()
        ],
    )


def in_force_query(*, lateral: bool = False) -> Select[Any]:
    """Per series of the account (VOID excluded), its latest effective event at or before
    :at; ties on the instant go to the greater id (the later received). One index seek per
    series of the account, no scan of events.

    SQLite finds each series' latest id by a correlated subquery, then its row by the primary
    key. PostgreSQL (`lateral`) reads the row in the seek itself, a LATERAL join SQLite lacks:
    half the index lookups. The constant LIMIT lets PostgreSQL keep one generic plan for the
    prepared statement rather than plan it again on every call."""
    inner = events.alias("inner_events")
    latest = (
        select(*(inner.c[column.name] for column in EVENTS.columns) if lateral else [inner.c.id])
        .where(
            inner.c.account_id == series.c.account_id,
            inner.c.customer_alias == series.c.customer_alias,
            inner.c.seat_type == series.c.seat_type,
            inner.c.effective == ONE,
            inner.c.event_time <= bindparam("at"),
        )
        .order_by(inner.c.event_time.desc(), inner.c.id.desc())
        .limit(literal_column("1"))
    )
    if lateral:
        found = latest.lateral("latest")
        query = select(*found.c).select_from(series.join(found, true()))
    else:
        subquery = latest.correlate(series).scalar_subquery()
        joined = series.join(
            events, and_(events.c.account_id == series.c.account_id, events.c.id == subquery)
        )
        query = select(*EVENTS.columns).select_from(joined)
    return (
        query.where(series.c.account_id == bindparam("account_id"))
        .where(series.c.customer_alias != VOID_ALIAS)
        .order_by(series.c.customer_alias, series.c.seat_type)
    )


IN_FORCE = Prepared(lambda dialect: in_force_query(lateral=dialect == "postgresql"))
SERIES_ALIASES = Prepared(
    select(series.c.customer_alias).where(series.c.account_id == bindparam("account_id")).distinct()
)


def in_force(transaction: Transaction, account_id: str, at_micros: int) -> list[SeatEvent]:
    """The event in force at `at` of every series of the account (VOID excluded)."""
    found = transaction.run(IN_FORCE, {"account_id": account_id, "at": at_micros}).fetchall()
    return [EVENTS.load_values(row) for row in found]


def series_aliases(transaction: Transaction, account_id: str) -> list[str]:
    """Every alias that has effective events in the account."""
    return transaction.scalars(SERIES_ALIASES, {"account_id": account_id})


def effective_count(transaction: Transaction, account_id: str) -> int:
    """The account's effective events, from the per-series counts (not a scan of events)."""
    return int(transaction.scalar(EFFECTIVE_COUNT, {"account_id": account_id}))


def page(
    transaction: Transaction,
    account_id: str,
    wanted: SeatEventFilter,
    aliases: frozenset[str] | None,
    sort_by: SortBy,
    request: PageRequest[SeatEventKey],
) -> Page[SeatEvent]:
    """One page of effective events passing `wanted`, with `aliases` (resolved from its
    customerIds) in place of the customer filter."""
    query = SELECT_EVENTS.where(*_conditions(account_id, wanted, aliases))
    key = [events.c.id] if sort_by is SortBy.CREATED_AT else [events.c.event_time, events.c.id]
    total = effective_count(transaction, account_id) if wanted.is_empty else None
    return Listing(query, key).page(transaction, request, EVENTS.load, total)


def all_versions(transaction: Transaction, account_id: str) -> list[SeatEvent]:
    """Every version of the account, in id order."""
    return VERSIONS.all_versions(transaction, account_id)


def versions_of_keys(
    transaction: Transaction, account_id: str, keys: Collection[str]
) -> list[SeatEvent]:
    """Every version of each customerEventId in `keys`, superseded or not, in id order."""
    if not keys:
        return []
    wanted = events.c.customer_event_id.in_(sorted(keys))
    query = SELECT_EVENTS.where(events.c.account_id == account_id, wanted).order_by(events.c.id)
    return [EVENTS.load(row) for row in transaction.rows(query)]


def keys_of_aliases(
    transaction: Transaction, account_id: str, aliases: Collection[str]
) -> set[str]:
    """The customerEventIds that any version sent under one of `aliases` belongs to."""
    if not aliases:
        return set()
    query = select(events.c.customer_event_id).where(
        events.c.account_id == account_id, events.c.customer_alias.in_(sorted(aliases))
    )
    return set(transaction.scalars(query.distinct()))


def _conditions(
    account_id: str, wanted: SeatEventFilter, aliases: frozenset[str] | None
) -> Iterator[ColumnElement[bool]]:
    yield events.c.account_id == account_id
    yield events.c.effective == ONE
    if wanted.customer_alias is not None:
        yield events.c.customer_alias == wanted.customer_alias
    if wanted.seat_types is not None:
        yield events.c.seat_type.in_(sorted(wanted.seat_types))
    if wanted.customer_event_id is not None:
        yield events.c.customer_event_id == wanted.customer_event_id
    if wanted.at_or_after is not None:
        yield events.c.event_time >= micros(wanted.at_or_after)
    if wanted.before is not None:
        yield events.c.event_time < micros(wanted.before)
    if aliases is not None:
        yield events.c.customer_alias.in_(sorted(aliases)) if aliases else false()


def _series_key(event: SeatEvent) -> dict[str, Any]:
    return {
        "account_id": event.account_id,
        "customer_alias": event.customer_alias,
        "seat_type": event.seat_type,
    }
