"""Seat metrics: create, list, fetch, update, delete (BEHAVIOUR.md §7)."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.domain.seat_metrics import (
    DuplicateSeatTypeError,
    ImmutableSeatTypeError,
    SeatMetric,
)
from emulator.http.context import account_id, body, query, services
from emulator.http.errors import Problem, not_found, validation_error
from emulator.http.routing import route
from emulator.schemas.seat_metrics import (
    METRIC_DRAFT,
    METRIC_LIST_QUERY,
    METRIC_UPDATE,
    dump_seat_metric,
    dump_seat_metric_page,
)


def blueprint() -> Blueprint:
    """The seat-metric routes."""
    routes = Blueprint("seat_metrics", __name__)
    route(routes, "/seat-metrics", "POST", create_seat_metric, body=METRIC_DRAFT)
    route(routes, "/seat-metrics", "GET", list_seat_metrics, query=METRIC_LIST_QUERY)
    route(routes, "/seat-metrics/<metric_id>", "GET", get_seat_metric)
    route(routes, "/seat-metrics/<metric_id>", "PUT", update_seat_metric, body=METRIC_UPDATE)
    route(routes, "/seat-metrics/<metric_id>", "DELETE", delete_seat_metric)
    return routes


def create_seat_metric() -> ResponseReturnValue:
    """A new metric; its seat type must be new to the account."""
    emulator = services()
    try:
        metric = emulator.store.create_seat_metric(account_id(), body(), emulator.mint)
    except DuplicateSeatTypeError as error:
        raise validation_error([Problem("body.seatType", str(error))]) from None
    return dump_seat_metric(metric), 201


def list_seat_metrics() -> ResponseReturnValue:
    """One page of metrics, newest first."""
    page = services().store.list_seat_metrics(account_id(), query())
    return dump_seat_metric_page(page)


def get_seat_metric(metric_id: str) -> ResponseReturnValue:
    """One metric."""
    return dump_seat_metric(found(services().store.seat_metric(account_id(), metric_id), metric_id))


def update_seat_metric(metric_id: str) -> ResponseReturnValue:
    """New label and description; the seat type stays."""
    emulator = services()
    try:
        metric = emulator.store.update_seat_metric(
            account_id(), metric_id, body(), emulator.clock.now()
        )
    except ImmutableSeatTypeError as error:
        raise validation_error([Problem("body.seatType", str(error))]) from None
    return dump_seat_metric(found(metric, metric_id))


def delete_seat_metric(metric_id: str) -> ResponseReturnValue:
    """Remove a metric and answer with it."""
    return dump_seat_metric(
        found(services().store.delete_seat_metric(account_id(), metric_id), metric_id)
    )


def found(metric: SeatMetric | None, metric_id: str) -> SeatMetric:
    """The metric, or a 404 naming the id."""
    if metric is None:
        raise not_found(f"No seat metric with id {metric_id!r}")
    return metric
