"""Usage events: create and list (BEHAVIOUR.md §12)."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.domain.usage_event_query import UsageEventQuery
from emulator.http.context import account_id, body, query, services
from emulator.http.routing import route
from emulator.schemas.usage_events import (
    USAGE_DRAFT,
    USAGE_LIST_QUERY,
    dump_usage_event,
    dump_usage_event_page,
)


def blueprint() -> Blueprint:
    """The usage-event routes."""
    routes = Blueprint("usage_events", __name__)
    route(routes, "/usage-events", "POST", create_usage_event, body=USAGE_DRAFT)
    route(routes, "/usage-events", "GET", list_usage_events, query=USAGE_LIST_QUERY)
    return routes


def create_usage_event() -> ResponseReturnValue:
    """Store a usage event (or recognise a retry) and answer 201 with it."""
    emulator = services()
    event, _ = emulator.store.save_usage_event(account_id(), body(), emulator.mint)
    return dump_usage_event(event), 201


def list_usage_events() -> ResponseReturnValue:
    """One page of the account's effective usage events."""
    wanted: UsageEventQuery = query()
    page = services().store.list_usage_events(account_id(), wanted)
    return dump_usage_event_page(page, wanted.sort_by)
