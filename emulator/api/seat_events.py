"""Seat events: POST /seat-events."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.api.loading import load_body
from emulator.http.context import account_id, services
from emulator.schemas.seat_events import DRAFT, dump_seat_event


def blueprint() -> Blueprint:
    """The seat-event routes."""
    routes = Blueprint("seat_events", __name__)
    routes.add_url_rule(
        "/seat-events",
        view_func=create_seat_event,
        methods=["POST"],
        provide_automatic_options=False,
    )
    return routes


def create_seat_event() -> ResponseReturnValue:
    """Store a seat event (or recognise a retry) and answer 201 with it."""
    emulator = services()
    event, _ = emulator.store.save_seat_event(account_id(), load_body(DRAFT), emulator.mint)
    return dump_seat_event(event), 201
