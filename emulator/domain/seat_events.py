"""Seat events and the supersession rule (BEHAVIOUR.md §4)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from emulator.domain.timestamps import parse_timestamp

VOID_ALIAS = "VOID"  # an event re-sent with this alias counts in no balance
MAX_TOTAL = 2**31 - 1  # the largest total the API takes (BEHAVIOUR.md §4)


@dataclass(frozen=True, slots=True)
class SeatEventDraft:
    """A seat event as a client sent it, before it has an id."""

    customer_alias: str
    seat_type: str
    event_timestamp: str
    total: int
    customer_event_id: str | None = None

    @property
    def event_time(self) -> datetime:
        """The normalised instant of `event_timestamp`."""
        return parse_timestamp(self.event_timestamp)


@dataclass(frozen=True, slots=True)
class SeatEvent:
    """One stored version of a seat event."""

    id: str
    account_id: str
    customer_event_id: str
    customer_alias: str
    seat_type: str
    event_timestamp: str  # echoed exactly as sent
    event_time: datetime
    total: int
    created_at: datetime

    @property
    def is_void(self) -> bool:
        """Whether this version removes its event from every balance."""
        return self.customer_alias == VOID_ALIAS

    def payload(self) -> tuple[str, str, datetime, int]:
        """What a retry must repeat to be recognised as one."""
        return (self.customer_alias, self.seat_type, self.event_time, self.total)


@dataclass(frozen=True, slots=True)
class Minted:
    """What the server gives a new version: its id and when it was received."""

    id: str
    created_at: datetime


def draft_payload(draft: SeatEventDraft) -> tuple[str, str, datetime, int]:
    """The payload of a draft, comparable with SeatEvent.payload()."""
    return (draft.customer_alias, draft.seat_type, draft.event_time, draft.total)


def supersede(
    current: SeatEvent | None,
    draft: SeatEventDraft,
    account_id: str,
    mint: Callable[[], Minted],
) -> SeatEvent | None:
    """The new version `draft` makes, or None when it is a retry of `current`.

    The last received wins whatever the timestamps; an identical payload is a retry.
    """
    if current is not None and current.payload() == draft_payload(draft):
        return None
    minted = mint()
    return SeatEvent(
        id=minted.id,
        account_id=account_id,
        customer_event_id=draft.customer_event_id or minted.id,
        customer_alias=draft.customer_alias,
        seat_type=draft.seat_type,
        event_timestamp=draft.event_timestamp,
        event_time=draft.event_time,
        total=draft.total,
        created_at=minted.created_at,
    )
