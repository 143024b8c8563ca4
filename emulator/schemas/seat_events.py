"""The JSON of seat events, as Sequence names its fields."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, validate

from emulator.domain.pages import InvalidCursorError, Page, PageRequest
from emulator.domain.seat_event_query import (
    SeatEventFilter,
    SeatEventQuery,
    SortBy,
    cursor_for,
    key_from_cursor,
)
from emulator.domain.seat_events import SeatEvent, SeatEventDraft
from emulator.schemas.base import LenientSchema
from emulator.schemas.fields import CommaSeparated, Instant, TimestampText
from emulator.schemas.pages import PagedQuerySchema, dump_page


class SeatEventDraftSchema(LenientSchema):
    """The body of POST /seat-events; unknown fields are ignored (BEHAVIOUR.md §4)."""

    customer_event_id = fields.String(data_key="customerEventId", load_default=None)
    customer_alias = fields.String(data_key="customerAlias", required=True)
    seat_type = fields.String(data_key="seatType", required=True)
    event_timestamp = TimestampText(data_key="eventTimestamp", required=True)
    total = fields.Raw(required=True)

    @post_load
    def make_draft(self, data: dict[str, Any], **_: Any) -> SeatEventDraft:
        """Build the domain object."""
        return SeatEventDraft(**data)


class EventListQuerySchema(PagedQuerySchema):
    """The paging and sorting of an event list, seat or usage (BEHAVIOUR.md §5)."""

    sort_by = fields.Enum(SortBy, by_value=True, data_key="sortBy", load_default=SortBy.CREATED_AT)
    # Sequence's document types this parameter as any string, so the enum is the schema's to say.
    sort_order = fields.String(
        data_key="sortOrder", load_default="DESC", validate=validate.OneOf(["ASC", "DESC"])
    )
    before_time = Instant(data_key="eventTimestampBefore", load_default=None)
    at_or_after = Instant(data_key="eventTimestampAfter", load_default=None)

    @staticmethod
    def page_of(data: dict[str, Any]) -> PageRequest[Any]:
        """The page asked for, its cursor decoded for the requested sort."""
        sort_by: SortBy = data["sort_by"]
        return PageRequest(
            limit=data["limit"],
            descending=data["sort_order"] == "DESC",
            after=sorted_cursor_key(data["after"], sort_by, "after"),
            before=sorted_cursor_key(data["before"], sort_by, "before"),
        )


class SeatEventListQuerySchema(EventListQuerySchema):
    """The query string of GET /seat-events (BEHAVIOUR.md §5)."""

    customer_alias = fields.String(data_key="customerAlias", load_default=None)
    customer_ids = CommaSeparated(data_key="customerIds", load_default=None)
    seat_types = CommaSeparated(data_key="seatType", load_default=None)
    customer_event_id = fields.String(data_key="customerEventId", load_default=None)

    @post_load
    def make_query(self, data: dict[str, Any], **_: Any) -> SeatEventQuery:
        """Build the domain query, decoding the cursor for the requested sort."""
        return SeatEventQuery(_filter(data), data["sort_by"], self.page_of(data))


def _filter(data: dict[str, Any]) -> SeatEventFilter:
    return SeatEventFilter(
        customer_alias=data["customer_alias"],
        customer_ids=data["customer_ids"],
        seat_types=data["seat_types"],
        customer_event_id=data["customer_event_id"],
        at_or_after=data["at_or_after"],
        before=data["before_time"],
    )


def sorted_cursor_key(cursor: str | None, sort_by: SortBy, name: str) -> Any:
    """The key a cursor of an event list points at, or a ValidationError on `name`."""
    if cursor is None:
        return None
    try:
        return key_from_cursor(cursor, sort_by)
    except InvalidCursorError as error:
        raise ValidationError(str(error), field_name=name) from None


DRAFT = SeatEventDraftSchema()
LIST_QUERY = SeatEventListQuerySchema()


def dump_seat_event(event: SeatEvent) -> dict[str, Any]:
    """The JSON object of one seat event, with Sequence's seven fields.

    Written out by hand, as balances are: every POST and every listed event goes through it,
    and a schema's per-field dispatch cost more than the dictionary itself.
    """
    return {
        "id": event.id,
        "customerEventId": event.customer_event_id,
        "customerAlias": event.customer_alias,
        "seatType": event.seat_type,
        "sequenceAccountId": event.account_id,
        "eventTimestamp": event.event_timestamp,
        "total": event.total,
    }


def dump_seat_event_page(page: Page[SeatEvent], sort_by: SortBy) -> dict[str, Any]:
    """A page of seat events, with cursors for the same sort."""
    return dump_page(page, dump_seat_event, lambda event: cursor_for(event, sort_by))
