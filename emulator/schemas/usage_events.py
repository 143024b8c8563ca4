"""The JSON of usage events, as Sequence names its fields."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load

from emulator.domain.pages import Page
from emulator.domain.seat_event_query import SortBy, cursor_for
from emulator.domain.usage_event_query import UsageEventFilter, UsageEventQuery
from emulator.domain.usage_events import UsageEvent, UsageEventDraft
from emulator.schemas.base import LenientSchema
from emulator.schemas.fields import QueryInteger, TimestampText
from emulator.schemas.pages import dump_page
from emulator.schemas.seat_events import EventListQuerySchema


class UsageEventDraftSchema(LenientSchema):
    """The body of POST /usage-events; unknown fields are ignored (BEHAVIOUR.md §4)."""

    customer_event_id = fields.String(
        data_key="customerEventId", load_default=None, allow_none=True
    )
    customer_alias = fields.String(data_key="customerAlias", required=True)
    event_type = fields.String(data_key="eventType", required=True)
    event_timestamp = TimestampText(data_key="eventTimestamp", load_default=None, allow_none=True)
    event_properties = fields.Dict(
        keys=fields.String(), data_key="eventProperties", load_default=None
    )

    @post_load
    def make_draft(self, data: dict[str, Any], **_: Any) -> UsageEventDraft:
        """Build the domain object."""
        return UsageEventDraft(**data)


class UsageEventListQuerySchema(EventListQuerySchema):
    """The query string of GET /usage-events (BEHAVIOUR.md §12)."""

    repeated = ("customerAlias",)  # the pipeline hands these over as lists

    offset = QueryInteger(load_default=0)  # 0 to 100,000: the document says so [decision]
    customer_aliases = fields.List(fields.String(), data_key="customerAlias", load_default=None)
    unmapped_only = fields.Boolean(data_key="unmappedAliasesOnly", load_default=False)
    event_type = fields.String(data_key="eventType", load_default=None)
    event_id = fields.String(data_key="eventId", load_default=None)

    @post_load
    def make_query(self, data: dict[str, Any], **_: Any) -> UsageEventQuery:
        """Build the domain query, decoding the cursor for the requested sort."""
        aliases = data["customer_aliases"]
        wanted = UsageEventFilter(
            customer_aliases=None if aliases is None else frozenset(aliases),
            unmapped_only=data["unmapped_only"],
            event_type=data["event_type"],
            event_id=data["event_id"],
            at_or_after=data["at_or_after"],
            before=data["before_time"],
        )
        return UsageEventQuery(wanted, data["sort_by"], self.page_of(data), data["offset"])


USAGE_DRAFT = UsageEventDraftSchema()
USAGE_LIST_QUERY = UsageEventListQuerySchema()


def dump_usage_event(event: UsageEvent) -> dict[str, Any]:
    """The JSON object of one usage event, with Sequence's seven fields (written out by hand:
    every POST goes through it)."""
    return {
        "id": event.id,
        "customerEventId": event.customer_event_id,
        "customerAlias": event.customer_alias,
        "eventType": event.event_type,
        "sequenceAccountId": event.account_id,
        "eventTimestamp": event.event_timestamp,
        "eventProperties": event.event_properties,
    }


def dump_usage_event_page(page: Page[UsageEvent], sort_by: SortBy) -> dict[str, Any]:
    """A page of usage events, with cursors for the same sort."""
    return dump_page(page, dump_usage_event, lambda event: cursor_for(event, sort_by))
