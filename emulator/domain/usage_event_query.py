"""Which usage events a list request wants (BEHAVIOUR.md §12); sorts and cursors as §5."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from emulator.domain.pages import PageRequest
from emulator.domain.seat_event_query import SeatEventKey, SortBy


@dataclass(frozen=True)
class UsageEventFilter:
    """The filters of GET /usage-events; None means 'any'."""

    customer_aliases: frozenset[str] | None = None
    unmapped_only: bool = False  # only aliases that stand for no customer
    event_type: str | None = None
    event_id: str | None = None
    at_or_after: datetime | None = None
    before: datetime | None = None


@dataclass(frozen=True)
class UsageEventQuery:
    """A whole list request: filters, sort, page, and how many items to skip from the cursor."""

    filter: UsageEventFilter
    sort_by: SortBy
    page: PageRequest[SeatEventKey]
    offset: int = 0
