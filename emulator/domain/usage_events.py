"""Usage events and their supersession rule (BEHAVIOUR.md §12, as §4 for seat events)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emulator.domain.seat_events import VOID_ALIAS, Minted
from emulator.domain.timestamps import format_utc, parse_timestamp

Properties = Mapping[str, Any]


def canonical_json(value: Any) -> str:
    """One text per JSON value, whatever the order of its keys: what a retry must repeat."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class UsageEventDraft:
    """A usage event as a client sent it, before it has an id; no timestamp means 'now'."""

    customer_alias: str
    event_type: str
    event_timestamp: str | None = None
    event_properties: Properties | None = None
    customer_event_id: str | None = None

    @property
    def properties(self) -> Properties:
        """The event's properties, `{}` when none were sent."""
        return {} if self.event_properties is None else self.event_properties


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """One stored version of a usage event."""

    id: str
    account_id: str
    customer_event_id: str
    customer_alias: str
    event_type: str
    event_timestamp: str  # echoed exactly as sent, or the time of receipt in UTC
    event_time: datetime
    event_properties: Properties
    created_at: datetime

    @property
    def is_void(self) -> bool:
        """Whether this version removes its event from every calculation."""
        return self.customer_alias == VOID_ALIAS


def is_retry(current: UsageEvent, draft: UsageEventDraft) -> bool:
    """Whether `draft` repeats `current`: same alias, type and properties (as JSON values),
    and the same instant when the draft names one (no timestamp: whenever it was received)."""
    return (
        current.customer_alias == draft.customer_alias
        and current.event_type == draft.event_type
        and (
            draft.event_timestamp is None
            or current.event_time == parse_timestamp(draft.event_timestamp)
        )
        and canonical_json(current.event_properties) == canonical_json(draft.properties)
    )


def supersede_usage(
    current: UsageEvent | None,
    draft: UsageEventDraft,
    account_id: str,
    mint: Callable[[], Minted],
) -> UsageEvent | None:
    """The new version `draft` makes, or None when it is a retry of `current`.

    The last received wins whatever the timestamps (Sequence: "only the last one will
    contribute to usage metric calculations").
    """
    if current is not None and is_retry(current, draft):
        return None
    minted = mint()
    stamp = draft.event_timestamp or format_utc(minted.created_at)
    return UsageEvent(
        id=minted.id,
        account_id=account_id,
        customer_event_id=draft.customer_event_id or minted.id,
        customer_alias=draft.customer_alias,
        event_type=draft.event_type,
        event_timestamp=stamp,
        event_time=parse_timestamp(stamp),
        event_properties=draft.properties,
        created_at=minted.created_at,
    )
