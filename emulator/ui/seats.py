"""Seat sections: balances now, balance over time, the effective events, one event's chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from emulator.control.charges import effective_events
from emulator.domain.balances import BalanceFilter, CustomerSeatBalances
from emulator.domain.seat_event_query import SeatEventFilter, SeatEventQuery
from emulator.domain.seat_events import SeatEvent
from emulator.domain.timestamps import parse_timestamp
from emulator.schemas.seat_events import LIST_QUERY, dump_seat_event_page
from emulator.services import Services
from emulator.ui.chart import balance_chart
from emulator.ui.sections import Asked, Section, SectionInputError

EVENTS_PAGE = 50
EVENTS_PAGE_MAX = 10_000  # the page of the dashboard, not of the API (1-100)
LIST_PARAMS = (
    "customerAlias",
    "customerIds",
    "seatType",
    "customerEventId",
    "eventTimestampAfter",
    "eventTimestampBefore",
    "sortBy",
    "sortOrder",
    "after",
    "before",
)


def balances(emulator: Services, asked: Asked) -> dict[str, Any]:
    """Every customer's balances now, as GET /seat-balances computes them."""
    now = emulator.clock.now()
    return {"customers": emulator.store.seat_balances(asked.account, now, BalanceFilter())}


def seat_events(emulator: Services, asked: Asked) -> dict[str, Any]:
    """One page of effective events, read with GET /seat-events' own query and listing."""
    limit = asked.number("limit", EVENTS_PAGE, EVENTS_PAGE_MAX)
    wanted: SeatEventQuery = LIST_QUERY.load(
        {name: value for name in LIST_PARAMS if (value := asked.get(name)) is not None}
    )
    wanted = replace(wanted, page=replace(wanted.page, limit=limit))
    page = emulator.store.list_seat_events(asked.account, wanted)
    pagination = dump_seat_event_page(page, wanted.sort_by)["pagination"]
    return {"page": page, "pagination": pagination, "limit": limit}


def chain(emulator: Services, asked: Asked) -> dict[str, Any]:
    """Every version of one customerEventId, which one counts, and why."""
    key = asked.get("customerEventId")
    if key is None:
        return {"key": None, "versions": []}
    versions = emulator.store.seat_event_versions(asked.account, key)
    return {"key": key, "versions": [(v, standing(versions, i)) for i, v in enumerate(versions)]}


def standing(versions: list[SeatEvent], index: int) -> str:
    """Why a version counts or not: the last received wins (BEHAVIOUR.md §4)."""
    if index + 1 < len(versions):
        later = versions[index + 1]
        return f"superseded by {later.id}, received later: {changes(versions[index], later)}"
    if versions[index].is_void:
        return "effective, but VOID: it counts in no balance"
    return "effective: the last version received, it is the one that counts"


def changes(earlier: SeatEvent, later: SeatEvent) -> str:
    """What a later version changed, field by field as Sequence names them."""
    fields = {
        "customerAlias": (earlier.customer_alias, later.customer_alias),
        "seatType": (earlier.seat_type, later.seat_type),
        "eventTimestamp": (earlier.event_timestamp, later.event_timestamp),
        "total": (earlier.total, later.total),
    }
    return ", ".join(f"{name} {old} → {new}" for name, (old, new) in fields.items() if old != new)


def chart(emulator: Services, asked: Asked) -> dict[str, Any]:
    """One customer's balance over time, per seat type, over a period."""
    now = emulator.clock.now()
    customers = emulator.store.seat_balances(asked.account, now, BalanceFilter())
    chosen = _chosen(customers, asked.get("customer"))
    if chosen is None:
        return {"customers": customers, "chosen": None}
    wanted = SeatEventFilter(customer_ids=frozenset({chosen.id}))
    effective = effective_events(emulator.store, asked.account, wanted)
    aliases = {*chosen.aliases, *(event.customer_alias for event in effective)}
    versions = emulator.store.seat_event_history(asked.account, aliases)
    start, end = _period(asked, versions, now)
    drawn = balance_chart(effective, versions, start, end, now)
    return {"customers": customers, "chosen": chosen, "chart": drawn, "start": start, "end": end}


def _chosen(
    customers: list[CustomerSeatBalances], wanted: str | None
) -> CustomerSeatBalances | None:
    """The customer asked for, else the first one."""
    found = [c for c in customers if wanted in (c.id, *c.aliases)] if wanted else customers
    return found[0] if found else None


def _period(asked: Asked, versions: list[SeatEvent], now: datetime) -> tuple[datetime, datetime]:
    """`from` and `to` as asked, else the whole months that hold the events (this month when
    there are none): the periods Sequence bills seats by."""
    times = [version.event_time for version in versions] or [now]
    start = _instant(asked, "from") or _month(min(times))
    end = _instant(asked, "to") or _month(_month(max(times)) + timedelta(days=31))
    if end <= start:
        raise SectionInputError([("to", "the period must end after it starts")])
    return start, end


def _instant(asked: Asked, name: str) -> datetime | None:
    text = asked.get(name)
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError:
        raise SectionInputError(
            [(name, f"{text!r} is not an ISO 8601 date or date-time")]
        ) from None


def _month(instant: datetime) -> datetime:
    """Midnight UTC on the first day of the instant's month."""
    utc = instant.astimezone(timezone.utc)
    return datetime(utc.year, utc.month, 1, tzinfo=timezone.utc)


SECTIONS = (
    Section("balances", "Seat balances now", balances, live=True),
    Section("chart", "Balance over time", chart, live=True),
    Section("events", "Seat events", seat_events, live=True),
    Section("chain", "Supersession chain", chain),
)
