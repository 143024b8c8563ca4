"""Customer aliases: create (idempotently), list, relabel, delete (BEHAVIOUR.md §11)."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.api.customers import refused_as_invalid
from emulator.domain.customers import CustomerAlias
from emulator.domain.idempotency import IdempotencyKey
from emulator.http.context import account_id, body, header, query, services
from emulator.http.errors import not_found
from emulator.http.routing import route
from emulator.schemas.customers import (
    ALIAS_DRAFT,
    ALIAS_LIST_QUERY,
    ALIAS_UPDATE,
    dump_alias,
    dump_alias_page,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"


def blueprint() -> Blueprint:
    """The customer-alias routes."""
    routes = Blueprint("customer_aliases", __name__)
    route(routes, "/customer-aliases", "POST", create_alias, body=ALIAS_DRAFT)
    route(routes, "/customer-aliases", "GET", list_aliases, query=ALIAS_LIST_QUERY)
    route(routes, "/customer-aliases/<alias_id>", "PUT", update_alias, body=ALIAS_UPDATE)
    route(routes, "/customer-aliases/<alias_id>", "DELETE", delete_alias)
    return routes


def create_alias() -> ResponseReturnValue:
    """A new live alias; with an Idempotency-Key held from before, that request's alias."""
    emulator = services()
    key = header(IDEMPOTENCY_HEADER)
    held = IdempotencyKey(key, emulator.clock.now()) if key is not None else None
    with refused_as_invalid():
        alias = emulator.store.create_customer_alias(account_id(), body(), emulator.mint, held)
    return dump_alias(alias), 201


def list_aliases() -> ResponseReturnValue:
    """One page of live aliases, newest first."""
    return dump_alias_page(services().store.list_customer_aliases(account_id(), query()))


def update_alias(alias_id: str) -> ResponseReturnValue:
    """A live alias's new label."""
    alias = services().store.update_customer_alias(account_id(), alias_id, body())
    return dump_alias(found(alias, alias_id))


def delete_alias(alias_id: str) -> ResponseReturnValue:
    """Delete a live alias and answer with it; its value is free again."""
    emulator = services()
    alias = emulator.store.delete_customer_alias(account_id(), alias_id, emulator.clock.now())
    return dump_alias(found(alias, alias_id))


def found(alias: CustomerAlias | None, alias_id: str) -> CustomerAlias:
    """The alias, or a 404 naming the id."""
    if alias is None:
        raise not_found(f"No customer alias with id {alias_id!r}")
    return alias
