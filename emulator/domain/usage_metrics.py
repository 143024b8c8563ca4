"""Usage metrics: what to aggregate over which usage events (BEHAVIOUR.md §12)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

NEEDS_PROPERTY = ("SUM", "UNIQUE")  # an aggregation of one property's values
CUSTOM = "CUSTOM"

# A property name and the values it is filtered on, e.g. {"channel": ["text", "email"]}.
PropertyFilters = Mapping[str, Sequence[Any]]


class UsageMetricRuleError(ValueError):
    """A metric breaks a rule; `field` names the body field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class UsageMetricDraft:
    """A usage metric as a client asked for it (POST, or PUT: every field replaced)."""

    name: str
    metric_type: str
    event_type: str
    aggregation_type: str
    description: str | None = None
    aggregation_property: str | None = None
    grouping_property: str | None = None
    unit: str | None = None
    property_filters: PropertyFilters | None = None
    case_sensitive: bool | None = None
    properties_to_negate: Sequence[str] | None = None


@dataclass(frozen=True, slots=True)
class UsageMetric:
    """A stored usage metric; a deleted one keeps its row with `deleted_at` set."""

    id: str
    account_id: str
    name: str
    metric_type: str
    event_type: str
    aggregation_type: str
    description: str | None
    aggregation_property: str | None
    grouping_property: str | None
    unit: str | None
    property_filters: PropertyFilters
    case_sensitive: bool | None
    properties_to_negate: Sequence[str] | None
    created_at: datetime
    deleted_at: datetime | None = None

    @property
    def filters(self) -> PropertyFilters:
        """The property filters, none when there are none."""
        return self.property_filters or {}

    @property
    def matches_case(self) -> bool:
        """Whether text is compared case-sensitively (Sequence's default)."""
        return self.case_sensitive is not False


@dataclass(frozen=True)
class UsageMetricFilter:
    """The filters of GET /usage-metrics; None means 'any'."""

    name: str | None = None  # case-insensitive substring
    id: str | None = None  # case-insensitive substring
    event_types: frozenset[str] | None = None
    event_properties: frozenset[str] | None = None  # aggregation property names
    aggregation_types: frozenset[str] | None = None


def check_metric(draft: UsageMetricDraft) -> None:
    """UsageMetricRuleError when a SUM or UNIQUE metric names no property to aggregate."""
    if draft.aggregation_type in NEEDS_PROPERTY and not draft.aggregation_property:
        raise UsageMetricRuleError(
            "aggregationProperty",
            f"aggregationProperty is required for a {draft.aggregation_type} metric",
        )


def _fields(draft: UsageMetricDraft) -> dict[str, Any]:
    return {
        "name": draft.name,
        "metric_type": draft.metric_type,
        "event_type": draft.event_type,
        "aggregation_type": draft.aggregation_type,
        "description": draft.description,
        "aggregation_property": draft.aggregation_property,
        "grouping_property": draft.grouping_property,
        "unit": draft.unit,
        "property_filters": dict(draft.property_filters or {}),
        "case_sensitive": draft.case_sensitive,
        "properties_to_negate": draft.properties_to_negate,
    }


def new_usage_metric(
    draft: UsageMetricDraft, account_id: str, metric_id: str, now: datetime
) -> UsageMetric:
    """The metric a draft creates, once it passes check_metric."""
    check_metric(draft)
    return UsageMetric(id=metric_id, account_id=account_id, created_at=now, **_fields(draft))


def updated_usage_metric(metric: UsageMetric, draft: UsageMetricDraft) -> UsageMetric:
    """The metric with every field of a PUT; later calculations follow it."""
    check_metric(draft)
    return replace(metric, **_fields(draft))


def counts_differently(before: UsageMetric, after: UsageMetric) -> bool:
    """Whether an edit changes which events count or what they add up to."""
    return _counting(before) != _counting(after)


def _counting(metric: UsageMetric) -> tuple[Any, ...]:
    return (
        metric.event_type,
        metric.aggregation_type,
        metric.aggregation_property,
        dict(metric.filters),
        metric.matches_case,
        sorted(metric.properties_to_negate or ()),
    )


def deleted_usage_metric(metric: UsageMetric, now: datetime) -> UsageMetric:
    """The metric as DELETE leaves it: gone from the API, `deletedAt` set."""
    return replace(metric, deleted_at=now)
