"""The product API: one blueprint per Sequence resource, under one parent that admits requests."""

from __future__ import annotations

from flask import Blueprint

from emulator.api import customer_aliases, customers, seat_balances, seat_events, seat_metrics


def product_blueprint() -> Blueprint:
    """A fresh parent blueprint holding every product resource."""
    parent = Blueprint("product", __name__)
    for resource in (seat_events, seat_balances, seat_metrics, customers, customer_aliases):
        parent.register_blueprint(resource.blueprint())
    return parent
