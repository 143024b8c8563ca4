"""Seat events: create, list, fetch one (BEHAVIOUR.md §4-§5)."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.domain.seat_event_query import SeatEventQuery
from emulator.http.context import account_id, body, query, services
from emulator.http.errors import not_found
from emulator.http.routing import route
from emulator.schemas.seat_events import DRAFT, LIST_QUERY, dump_seat_event, dump_seat_event_page


def blueprint() -> Blueprint:
    """The seat-event routes."""
    routes = Blueprint("seat_events", __name__)
    route(routes, "/seat-events", "POST", create_seat_event, body=DRAFT)
    route(routes, "/seat-events", "GET", list_seat_events, query=LIST_QUERY)
    route(routes, "/seat-events/<event_id>", "GET", get_seat_event)
    return routes


def create_seat_event() -> ResponseReturnValue:
    """Store a seat event (or recognise a retry) and answer 201 with it."""
    emulator = services()
    event, _ = emulator.store.save_seat_event(account_id(), body(), emulator.mint)
    return dump_seat_event(event), 201


def list_seat_events() -> ResponseReturnValue:
    """One page of the account's effective seat events."""
    wanted: SeatEventQuery = query()
    page = services().store.list_seat_events(account_id(), wanted)
    return dump_seat_event_page(page, wanted.sort_by)


def get_seat_event(event_id: str) -> ResponseReturnValue:
    """One version by id, superseded or not."""
    event = services().store.seat_event(account_id(), event_id)
    if event is None:
        raise not_found(f"No seat event with id {event_id!r}")
    return dump_seat_event(event)
