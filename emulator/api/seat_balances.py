"""Seat balances per customer, at the emulator's now (BEHAVIOUR.md §6)."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.http.context import account_id, query, services
from emulator.http.routing import route
from emulator.schemas.seat_balances import BALANCE_QUERY, dump_balances


def blueprint() -> Blueprint:
    """The seat-balance route."""
    routes = Blueprint("seat_balances", __name__)
    route(routes, "/seat-balances", "GET", list_seat_balances, query=BALANCE_QUERY)
    return routes


def list_seat_balances() -> ResponseReturnValue:
    """Every customer's balances, from the index the store keeps on write, grouped by the
    customer each alias stands for (BEHAVIOUR.md §11)."""
    emulator = services()
    return dump_balances(emulator.store.seat_balances(account_id(), emulator.clock.now(), query()))
