"""The control plane under /_emulator: what tests and sandboxes need that Sequence lacks."""

from __future__ import annotations

from flask import Blueprint

from emulator.control import charges, clock, faults, health, journal, state
from emulator.http.routing import route
from emulator.schemas.charges import SEAT_CHARGE_REQUEST
from emulator.schemas.control import ACCOUNT_QUERY, CLOCK_CHANGE, FAULT_RULE_INPUT, JOURNAL_QUERY
from emulator.schemas.state import STATE

PREFIX = "/_emulator"


def control_blueprint() -> Blueprint:
    """A fresh blueprint with every control-plane route."""
    routes = Blueprint("control", __name__, url_prefix=PREFIX)
    route(routes, "/health", "GET", health.get_health)
    route(routes, "/reset", "POST", state.reset, query=ACCOUNT_QUERY)
    route(routes, "/state", "GET", state.export_state, query=ACCOUNT_QUERY)
    route(routes, "/state", "PUT", state.import_state, body=STATE, query=ACCOUNT_QUERY)
    route(routes, "/requests", "GET", journal.list_requests, query=JOURNAL_QUERY)
    route(routes, "/requests", "DELETE", journal.clear_requests)
    route(routes, "/faults", "GET", faults.list_faults)
    route(routes, "/faults", "POST", faults.add_fault, body=FAULT_RULE_INPUT)
    route(routes, "/faults", "DELETE", faults.clear_faults)
    route(routes, "/faults/<rule_id>", "DELETE", faults.delete_fault)
    route(routes, "/clock", "GET", clock.get_clock)
    route(routes, "/clock", "PUT", clock.change_clock, body=CLOCK_CHANGE)
    route(routes, "/clock", "DELETE", clock.resume_clock)
    route(routes, "/seat-charges", "POST", charges.post_seat_charge, body=SEAT_CHARGE_REQUEST)
    return routes
