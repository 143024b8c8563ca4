"""The product API: one blueprint per Sequence resource, under one parent that admits requests."""

from __future__ import annotations

from flask import Blueprint

from emulator.api import (
    contacts,
    customer_aliases,
    customers,
    seat_balances,
    seat_events,
    seat_metrics,
    sequence_accounts,
    usage_events,
    usage_metrics,
)


def product_blueprint() -> Blueprint:
    """A fresh parent blueprint holding every product resource."""
    parent = Blueprint("product", __name__)
    resources = (
        seat_events,
        seat_balances,
        seat_metrics,
        customers,
        customer_aliases,
        contacts,
        sequence_accounts,
        usage_events,
        usage_metrics,
    )
    for resource in resources:
        parent.register_blueprint(resource.blueprint())
    return parent
