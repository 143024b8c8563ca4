"""The JSON of seat events, as Sequence names its fields."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validates

from emulator.domain.seat_events import SeatEvent, SeatEventDraft
from emulator.domain.timestamps import InvalidTimestampError, parse_timestamp


class SeatEventDraftSchema(Schema):
    """The body of POST /seat-events; unknown fields are ignored (BEHAVIOUR.md §4)."""

    class Meta:
        unknown = EXCLUDE

    customer_event_id = fields.String(data_key="customerEventId", load_default=None)
    customer_alias = fields.String(data_key="customerAlias", required=True)
    seat_type = fields.String(data_key="seatType", required=True)
    event_timestamp = fields.String(data_key="eventTimestamp", required=True)
    total = fields.Integer(strict=True, required=True)

    @validates("event_timestamp")
    def check_timestamp(self, value: str, **_: Any) -> None:
        """Reject what parse_timestamp cannot read."""
        try:
            parse_timestamp(value)
        except InvalidTimestampError as error:
            raise ValidationError(str(error)) from None

    @post_load
    def make_draft(self, data: dict[str, Any], **_: Any) -> SeatEventDraft:
        """Build the domain object."""
        return SeatEventDraft(**data)


class SeatEventSchema(Schema):
    """A stored seat event, with Sequence's seven fields."""

    id = fields.String()
    customer_event_id = fields.String(data_key="customerEventId")
    customer_alias = fields.String(data_key="customerAlias")
    seat_type = fields.String(data_key="seatType")
    account_id = fields.String(data_key="sequenceAccountId")
    event_timestamp = fields.String(data_key="eventTimestamp")
    total = fields.Integer()


DRAFT = SeatEventDraftSchema()
SEAT_EVENT = SeatEventSchema()


def dump_seat_event(event: SeatEvent) -> dict[str, Any]:
    """The JSON object of one seat event."""
    dumped: dict[str, Any] = SEAT_EVENT.dump(event)
    return dumped
