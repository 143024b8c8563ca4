"""The product API: one blueprint per Sequence resource, under one parent that admits requests."""

from __future__ import annotations

from flask import Blueprint

from emulator.api import seat_events


def product_blueprint() -> Blueprint:
    """A fresh parent blueprint holding every product resource."""
    parent = Blueprint("product", __name__)
    parent.register_blueprint(seat_events.blueprint())
    return parent
