"""The JSON of usage metrics and of their calculation."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, post_load, validates_schema

from emulator.domain.pages import Page, PageRequest, cursor_id, encode_cursor
from emulator.domain.timestamps import parse_timestamp
from emulator.domain.usage_calculation import Calculation, CalculationRequest, period_end
from emulator.domain.usage_metrics import (
    UsageMetric,
    UsageMetricDraft,
    UsageMetricFilter,
    UsageMetricRuleError,
    check_metric,
)
from emulator.schemas.base import LenientSchema, dump_time
from emulator.schemas.fields import CommaSeparated, TimestampText
from emulator.schemas.pages import IdCursorQuerySchema, dump_page

DRAFT_FIELDS = tuple(field.name for field in dataclass_fields(UsageMetricDraft))
REQUIRED = {"name", "metric_type", "event_type", "aggregation_type"}


def draft_of(data: dict[str, Any]) -> UsageMetricDraft:
    """The draft among loaded fields."""
    return UsageMetricDraft(**{name: data[name] for name in DRAFT_FIELDS if name in data})


class UsageMetricFieldsSchema(LenientSchema):
    """A usage metric's fields as a client gives them, and the metric's own rules."""

    name = fields.String(required=True)
    description = fields.String(load_default=None, allow_none=True)
    # The documents (product and control plane) hold the enums; the schema only maps.
    metric_type = fields.String(data_key="metricType", required=True)
    event_type = fields.String(data_key="eventType", required=True)
    aggregation_type = fields.String(data_key="aggregationType", required=True)
    aggregation_property = fields.String(
        data_key="aggregationProperty", load_default=None, allow_none=True
    )
    grouping_property = fields.String(
        data_key="groupingProperty", load_default=None, allow_none=True
    )
    unit = fields.String(load_default=None, allow_none=True)
    # Sequence's example sends a list of values per property; its schema says "object".
    property_filters = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Raw(allow_none=True)),
        data_key="propertyFilters",
        load_default=None,
    )
    case_sensitive = fields.Boolean(data_key="caseSensitive", load_default=None, allow_none=True)
    properties_to_negate = fields.List(
        fields.String(), data_key="propertiesToNegate", load_default=None, allow_none=True
    )

    @validates_schema
    def rules(self, data: dict[str, Any], **_: Any) -> None:
        """The metric's own rules (an aggregated property for SUM and UNIQUE)."""
        if data.keys() >= REQUIRED:
            try:
                check_metric(draft_of(data))
            except UsageMetricRuleError as error:
                raise ValidationError(str(error), field_name=error.field) from None


class UsageMetricDraftSchema(UsageMetricFieldsSchema):
    """The body of POST /usage-metrics and PUT /usage-metrics/{id}; the create request's
    `deletedAt` is ignored (a new metric is never deleted) [decision]."""

    @post_load
    def make_draft(self, data: dict[str, Any], **_: Any) -> UsageMetricDraft:
        """Build the domain object."""
        return draft_of(data)


class UsageMetricListQuerySchema(IdCursorQuerySchema):
    """The query string of GET /usage-metrics: newest first, with Sequence's filters."""

    name = fields.String(load_default=None)
    id = fields.String(load_default=None)
    event_types = CommaSeparated(data_key="eventType", load_default=None)
    event_properties = CommaSeparated(data_key="eventProperty", load_default=None)
    aggregation_types = CommaSeparated(data_key="aggregationType", load_default=None)

    def checked_id(self, value: str) -> str:
        """A metric id as this server writes it (one spelling of each UUID)."""
        return cursor_id(value, value)

    @post_load
    def make_listing(
        self, data: dict[str, Any], **_: Any
    ) -> tuple[PageRequest[str], UsageMetricFilter]:
        """The page request and the filters."""
        page = self.page_request(data)
        names = ("name", "id", "event_types", "event_properties", "aggregation_types")
        return page, UsageMetricFilter(**{name: data[name] for name in names})


class CalculationQuerySchema(LenientSchema):
    """The query string of GET /usage-metrics/{usageMetricId}/calculate; customParameters only
    serve CUSTOM metrics, which are not emulated."""

    customer_aliases = CommaSeparated(data_key="customerAliases", required=True)
    period_start = TimestampText(data_key="periodStart", required=True)
    period_end = TimestampText(data_key="periodEnd", required=True)

    @validates_schema
    def ordered(self, data: dict[str, Any], **_: Any) -> None:
        """A period that ends before it starts is refused."""
        if {"period_start", "period_end"} <= data.keys() and period_end(
            data["period_end"]
        ) <= parse_timestamp(data["period_start"]):
            raise ValidationError("periodEnd is before periodStart", field_name="periodEnd")

    @post_load
    def make_request(self, data: dict[str, Any], **_: Any) -> CalculationRequest:
        """Build the domain request: the end made exclusive (a bare date covers its day)."""
        return CalculationRequest(
            data["customer_aliases"],
            parse_timestamp(data["period_start"]),
            period_end(data["period_end"]),
        )


USAGE_METRIC_DRAFT = UsageMetricDraftSchema()
USAGE_METRIC_LIST_QUERY = UsageMetricListQuerySchema()
CALCULATION_QUERY = CalculationQuerySchema()


def dump_usage_metric(metric: UsageMetric) -> dict[str, Any]:
    """The JSON object of one usage metric, as Sequence's UsageMetric."""
    return {
        "id": metric.id,
        "sequenceAccountId": metric.account_id,
        "name": metric.name,
        "description": metric.description,
        "metricType": metric.metric_type,
        "eventType": metric.event_type,
        "aggregationType": metric.aggregation_type,
        "aggregationProperty": metric.aggregation_property,
        "groupingProperty": metric.grouping_property,
        "unit": metric.unit,
        "createdAt": dump_time(metric.created_at),
        "deletedAt": dump_time(metric.deleted_at),
        "propertyFilters": dict(metric.filters),
        "caseSensitive": metric.matches_case,
        "propertiesToNegate": _listed(metric.properties_to_negate),
        "parameters": [],  # custom parameters belong to CUSTOM metrics, not emulated
    }


def _listed(values: Any) -> list[Any] | None:
    return None if values is None else list(values)


def dump_usage_metric_page(page: Page[UsageMetric]) -> dict[str, Any]:
    """A page of usage metrics."""
    return dump_page(page, dump_usage_metric, lambda metric: encode_cursor(metric.id))


def dump_calculation(metric: UsageMetric, result: Calculation) -> dict[str, Any]:
    """Sequence's UsageMetricCalculationResponse."""
    return {
        "name": metric.name,
        "metricType": metric.metric_type,
        "eventType": metric.event_type,
        "aggregationType": metric.aggregation_type,
        "eventCount": result.event_count,
        "value": json_number(result.value),
        "unit": metric.unit,
        "minEventId": result.min_event_id,
        "maxEventId": result.max_event_id,
    }


def json_number(value: Decimal) -> int | float:
    """An exact decimal as a JSON number: an integer exactly, else its nearest double."""
    return int(value) if value == value.to_integral_value() else float(value)
