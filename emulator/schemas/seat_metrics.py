"""The JSON of seat metrics."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load

from emulator.domain.pages import Page, cursor_id, encode_cursor
from emulator.domain.seat_metrics import SeatMetric, SeatMetricDraft, SeatMetricUpdate
from emulator.schemas.base import LenientSchema
from emulator.schemas.fields import Instant
from emulator.schemas.pages import IdPagedQuerySchema, dump_page


class SeatMetricDraftSchema(LenientSchema):
    """The body of POST /seat-metrics."""

    seat_type = fields.String(data_key="seatType", required=True)
    label = fields.String(required=True)
    description = fields.String(load_default=None, allow_none=True)

    @post_load
    def make_draft(self, data: dict[str, Any], **_: Any) -> SeatMetricDraft:
        """Build the domain object."""
        return SeatMetricDraft(**data)


class SeatMetricUpdateSchema(LenientSchema):
    """The body of PUT /seat-metrics/{id}; a seatType is only compared, never applied."""

    label = fields.String(required=True)
    description = fields.String(load_default=None, allow_none=True)
    seat_type = fields.String(data_key="seatType", load_default=None)

    @post_load
    def make_update(self, data: dict[str, Any], **_: Any) -> SeatMetricUpdate:
        """Build the domain object."""
        return SeatMetricUpdate(**data)


class SeatMetricSchema(Schema):
    """A stored seat metric, as Sequence's SeatMetric."""

    id = fields.String()
    seat_type = fields.String(data_key="seatType")
    label = fields.String()
    description = fields.String(allow_none=True)
    created_by = fields.String(data_key="createdBy", allow_none=True)
    created_at = Instant(data_key="createdAt")
    updated_at = Instant(data_key="updatedAt")


class SeatMetricListQuerySchema(IdPagedQuerySchema):
    """The query string of GET /seat-metrics: newest first, cursors hold metric ids."""

    def checked_id(self, value: str) -> str:
        """A metric id as this server writes it (one spelling of each UUID)."""
        return cursor_id(value, value)


METRIC_DRAFT = SeatMetricDraftSchema()
METRIC_UPDATE = SeatMetricUpdateSchema()
SEAT_METRIC = SeatMetricSchema()
METRIC_LIST_QUERY = SeatMetricListQuerySchema()


def dump_seat_metric(metric: SeatMetric) -> dict[str, Any]:
    """The JSON object of one seat metric."""
    dumped: dict[str, Any] = SEAT_METRIC.dump(metric)
    return dumped


def dump_seat_metric_page(page: Page[SeatMetric]) -> dict[str, Any]:
    """A page of seat metrics."""
    return dump_page(page, dump_seat_metric, lambda metric: encode_cursor(metric.id))
