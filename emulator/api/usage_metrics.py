"""Usage metrics: create, list, fetch, update, delete, calculate (BEHAVIOUR.md §12)."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.domain.usage_calculation import CustomMetricError
from emulator.domain.usage_metrics import UsageMetric
from emulator.http.context import account_id, body, query, services
from emulator.http.errors import Problem, not_found, validation_error
from emulator.http.routing import route
from emulator.schemas.usage_metrics import (
    CALCULATION_QUERY,
    USAGE_METRIC_DRAFT,
    USAGE_METRIC_LIST_QUERY,
    dump_calculation,
    dump_usage_metric,
    dump_usage_metric_page,
)


def blueprint() -> Blueprint:
    """The usage-metric routes."""
    routes = Blueprint("usage_metrics", __name__)
    metric = "/usage-metrics/<metric_id>"
    route(routes, "/usage-metrics", "POST", create_metric, body=USAGE_METRIC_DRAFT)
    route(routes, "/usage-metrics", "GET", list_metrics, query=USAGE_METRIC_LIST_QUERY)
    route(routes, metric, "GET", get_metric)
    route(routes, metric, "PUT", update_metric, body=USAGE_METRIC_DRAFT)
    route(routes, metric, "DELETE", delete_metric)
    route(routes, f"{metric}/calculate", "GET", calculate, query=CALCULATION_QUERY)
    return routes


def create_metric() -> ResponseReturnValue:
    """A new usage metric."""
    emulator = services()
    metric = emulator.store.create_usage_metric(account_id(), body(), emulator.mint)
    return dump_usage_metric(metric), 201


def list_metrics() -> ResponseReturnValue:
    """One page of live metrics, newest first."""
    page, wanted = query()
    return dump_usage_metric_page(services().store.list_usage_metrics(account_id(), page, wanted))


def get_metric(metric_id: str) -> ResponseReturnValue:
    """One live metric."""
    metric = services().store.usage_metric(account_id(), metric_id)
    return dump_usage_metric(found(metric, metric_id))


def update_metric(metric_id: str) -> ResponseReturnValue:
    """Every field replaced; later calculations follow."""
    metric = services().store.update_usage_metric(account_id(), metric_id, body())
    return dump_usage_metric(found(metric, metric_id))


def delete_metric(metric_id: str) -> ResponseReturnValue:
    """Mark a metric deleted and answer with it, `deletedAt` set."""
    emulator = services()
    metric = emulator.store.delete_usage_metric(account_id(), metric_id, emulator.clock.now())
    return dump_usage_metric(found(metric, metric_id))


def calculate(metric_id: str) -> ResponseReturnValue:
    """The metric over the customers' effective events in the period."""
    try:
        answer = services().store.calculate_usage(account_id(), metric_id, query())
    except CustomMetricError as error:
        raise validation_error([Problem("path.usageMetricId", str(error))]) from None
    if answer is None:
        raise not_found(f"No usage metric with id {metric_id!r}")
    return dump_calculation(*answer)


def found(metric: UsageMetric | None, metric_id: str) -> UsageMetric:
    """The metric, or a 404 naming the id."""
    if metric is None:
        raise not_found(f"No usage metric with id {metric_id!r}")
    return metric
