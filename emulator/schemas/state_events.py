"""Events and metrics, seat and usage, as the state document keeps them (BEHAVIOUR.md §9)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from marshmallow import ValidationError, fields, validate

from emulator.domain.ids import uuid7_problem
from emulator.domain.seat_event_query import EPOCH
from emulator.domain.seat_events import MAX_TOTAL
from emulator.domain.timestamps import parse_timestamp
from emulator.domain.usage_events import UsageEvent
from emulator.domain.usage_metrics import UsageMetric, new_usage_metric
from emulator.schemas.base import LenientSchema, dump_time
from emulator.schemas.fields import Instant, TimestampText
from emulator.schemas.usage_events import dump_usage_event
from emulator.schemas.usage_metrics import UsageMetricFieldsSchema, draft_of, dump_usage_metric


def minted_id(value: str) -> None:
    """An id the emulator could have minted: every later id must still fit after it."""
    problem = uuid7_problem(value)
    if problem is not None:
        raise ValidationError(problem)


TEXT = validate.Length(1, 255)


class StateSeatEventSchema(LenientSchema):
    """One stored version; `id`, `createdAt` and `customerEventId` are minted when absent."""

    id = fields.String(load_default="", validate=minted_id)
    customer_event_id = fields.String(
        data_key="customerEventId", load_default="", validate=validate.Length(max=255)
    )
    customer_alias = fields.String(data_key="customerAlias", required=True, validate=TEXT)
    seat_type = fields.String(data_key="seatType", required=True, validate=TEXT)
    event_timestamp = TimestampText(data_key="eventTimestamp", required=True)
    total = fields.Integer(strict=True, required=True, validate=validate.Range(0, MAX_TOTAL))
    created_at = Instant(data_key="createdAt", precise=True, load_default=EPOCH)


class StateSeatMetricSchema(LenientSchema):
    """One seat metric; `id` and the times are minted when absent."""

    id = fields.String(load_default="", validate=minted_id)
    seat_type = fields.String(data_key="seatType", required=True)
    label = fields.String(required=True)
    description = fields.String(allow_none=True, load_default=None)
    created_at = Instant(data_key="createdAt", precise=True, load_default=EPOCH)
    updated_at = Instant(data_key="updatedAt", precise=True, load_default=EPOCH)


class StateUsageEventSchema(LenientSchema):
    """One stored usage event version; `id`, `createdAt` and `customerEventId` are minted when
    absent."""

    id = fields.String(load_default="", validate=minted_id)
    customer_event_id = fields.String(
        data_key="customerEventId", load_default="", validate=validate.Length(max=255)
    )
    customer_alias = fields.String(data_key="customerAlias", required=True, validate=TEXT)
    event_type = fields.String(data_key="eventType", required=True, validate=TEXT)
    event_timestamp = TimestampText(data_key="eventTimestamp", required=True)
    event_properties = fields.Dict(
        keys=fields.String(), data_key="eventProperties", load_default=dict
    )
    created_at = Instant(data_key="createdAt", precise=True, load_default=EPOCH)


class StateUsageMetricSchema(UsageMetricFieldsSchema):
    """One usage metric, deleted or not; `id` and `createdAt` are minted when absent."""

    id = fields.String(load_default="", validate=minted_id)
    created_at = Instant(data_key="createdAt", precise=True, load_default=EPOCH)
    deleted_at = Instant(data_key="deletedAt", precise=True, load_default=None)


def usage_event_of(account_id: str, data: dict[str, Any]) -> UsageEvent:
    """The usage event a loaded state item holds."""
    return UsageEvent(
        account_id=account_id, event_time=parse_timestamp(data["event_timestamp"]), **data
    )


def usage_metric_of(account_id: str, data: dict[str, Any]) -> UsageMetric:
    """The usage metric a loaded state item holds."""
    metric = new_usage_metric(draft_of(data), account_id, data["id"], data["created_at"])
    return replace(metric, deleted_at=data["deleted_at"])


def dump_state_usage_event(event: UsageEvent) -> dict[str, Any]:
    """A usage event version as the state document keeps it."""
    dumped = dump_usage_event(event) | {"createdAt": dump_time(event.created_at, precise=True)}
    del dumped["sequenceAccountId"]
    return dumped


def dump_state_usage_metric(metric: UsageMetric) -> dict[str, Any]:
    """A usage metric as the state document keeps it, instants to the microsecond."""
    dumped = dump_usage_metric(metric)
    for name in ("sequenceAccountId", "parameters"):
        del dumped[name]
    return dumped | {
        "createdAt": dump_time(metric.created_at, precise=True),
        "deletedAt": dump_time(metric.deleted_at, precise=True),
    }
