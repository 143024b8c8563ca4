"""Which seat events a list request wants, and how they are ordered (BEHAVIOUR.md §5)."""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Protocol

from emulator.domain.customers import CustomerRef, implicit_customer_id
from emulator.domain.pages import (
    PageRequest,
    cursor_id,
    cursor_integer,
    decode_cursor,
    encode_cursor,
)
from emulator.domain.seat_events import SeatEvent

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROS_LIMIT = 1 << 63  # an instant in a cursor fits the databases' 64-bit integers

# createdAt keys are ids (UUIDv7 strings sort by creation); eventTimestamp keys add the instant.
SeatEventKey = str | tuple[int, str]


class TimedEvent(Protocol):
    """What lists of seat or usage events sort on."""

    @property
    def id(self) -> str: ...

    @property
    def event_time(self) -> datetime: ...


class SortBy(str, Enum):
    """The columns a seat-event list can be sorted by."""

    CREATED_AT = "createdAt"
    EVENT_TIMESTAMP = "eventTimestamp"


def micros(instant: datetime) -> int:
    """Microseconds since the epoch, exactly."""
    delta = instant - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def sort_key(event: TimedEvent, sort_by: SortBy) -> SeatEventKey:
    """Where an event stands in a list sorted by `sort_by` (ties broken by id)."""
    if sort_by is SortBy.CREATED_AT:
        return event.id
    return (micros(event.event_time), event.id)


def cursor_for(event: TimedEvent, sort_by: SortBy) -> str:
    """The opaque cursor that points at `event` in that sort."""
    key = sort_key(event, sort_by)
    return encode_cursor(key) if isinstance(key, str) else encode_cursor(*key)


def key_from_cursor(text: str, sort_by: SortBy) -> SeatEventKey:
    """Decode a cursor made by cursor_for for the same sort, or InvalidCursorError."""
    if sort_by is SortBy.CREATED_AT:
        (event_id,) = decode_cursor(text, 1)
        return cursor_id(event_id, text)
    instant, event_id = decode_cursor(text, 2)
    return (cursor_integer(instant, text, MICROS_LIMIT), cursor_id(event_id, text))


@dataclass(frozen=True)
class CustomerMatch:
    """customerIds, resolved by the store (BEHAVIOUR.md §11).

    An event matches when its alias is one of `aliases` (each named id itself, and every live
    alias of the real customers named), or when it stands for no real customer and its implicit
    customer's id is one of `implicit_ids` (the ids named that are no real customer's).
    """

    aliases: frozenset[str]
    implicit_ids: frozenset[str]


def customer_match(customer_ids: frozenset[str], found: Mapping[str, CustomerRef]) -> CustomerMatch:
    """Resolve customer ids, given the real customers among them (by id)."""
    aliases = set(customer_ids)
    for customer in found.values():
        aliases.update(customer.aliases)
    return CustomerMatch(frozenset(aliases), customer_ids - found.keys())


NOTHING_MAPPED: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SeatEventFilter:
    """The filters of GET /seat-events; None means 'any'.

    `customers` is `customer_ids` resolved by the store (customer_match); until then, the ids
    are matched as if no customer existed.
    """

    customer_alias: str | None = None
    customer_ids: frozenset[str] | None = None
    seat_types: frozenset[str] | None = None
    customer_event_id: str | None = None
    at_or_after: datetime | None = None
    before: datetime | None = None
    customers: CustomerMatch | None = None

    @property
    def is_empty(self) -> bool:
        """Whether every event matches."""
        return self == SeatEventFilter()

    def matches(self, event: SeatEvent, mapped: Container[str] = NOTHING_MAPPED) -> bool:
        """Whether `event` passes every filter; `mapped` holds the aliases (and customer ids)
        that stand for a real customer."""
        return (
            (self.customer_alias is None or event.customer_alias == self.customer_alias)
            and (self.seat_types is None or event.seat_type in self.seat_types)
            and (
                self.customer_event_id is None or event.customer_event_id == self.customer_event_id
            )
            and (self.at_or_after is None or event.event_time >= self.at_or_after)
            and (self.before is None or event.event_time < self.before)
            and (self.customer_ids is None or self._customer_matches(event, mapped))
        )

    def _customer_matches(self, event: SeatEvent, mapped: Container[str]) -> bool:
        # Resolves a customer id to its aliases and itself (the reference's wording).
        assert self.customer_ids is not None
        match = self.customers or CustomerMatch(self.customer_ids, self.customer_ids)
        alias = event.customer_alias
        return alias in match.aliases or (
            bool(match.implicit_ids)
            and alias not in mapped
            and implicit_customer_id(event.account_id, alias) in match.implicit_ids
        )


@dataclass(frozen=True)
class SeatEventQuery:
    """A whole list request: filters, sort and page."""

    filter: SeatEventFilter
    sort_by: SortBy
    page: PageRequest[SeatEventKey]
