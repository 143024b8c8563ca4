"""Customers: create, list, fetch, update, archive, find by alias (BEHAVIOUR.md §11)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.domain.customer_query import CustomerQuery
from emulator.domain.customers import Customer, CustomerRuleError, Organization, organizations
from emulator.http.context import account_id, body, query, services
from emulator.http.errors import Problem, not_found, validation_error
from emulator.http.routing import route
from emulator.schemas.customers import (
    CUSTOMER_DRAFT,
    CUSTOMER_LIST_QUERY,
    dump_alias_brief,
    dump_customer,
    dump_customer_by_alias,
    dump_customer_page,
)


def blueprint() -> Blueprint:
    """The customer routes."""
    routes = Blueprint("customers", __name__)
    route(routes, "/customers", "POST", create_customer, body=CUSTOMER_DRAFT)
    route(routes, "/customers", "GET", list_customers, query=CUSTOMER_LIST_QUERY)
    route(routes, "/customers/<customer_id>", "GET", get_customer)
    route(routes, "/customers/<customer_id>", "PUT", update_customer, body=CUSTOMER_DRAFT)
    route(routes, "/customers/<customer_id>/archive", "POST", archive_customer)
    route(routes, "/customers/<customer_id>/aliases", "GET", list_aliases_of_customer)
    route(routes, "/customers/by-alias/<alias>", "GET", get_customer_by_alias)
    return routes


def create_customer() -> ResponseReturnValue:
    """A new customer, and the aliases it names, at once."""
    emulator = services()
    with refused_as_invalid():
        customer = emulator.store.create_customer(account_id(), body(), emulator.mint)
    return whole(customer), 201


def list_customers() -> ResponseReturnValue:
    """One page of customers."""
    wanted: CustomerQuery = query()
    page = services().store.list_customers(account_id(), wanted)
    return dump_customer_page(page, wanted.sort_by, organizations_of)


def get_customer(customer_id: str) -> ResponseReturnValue:
    """One customer, archived or not."""
    return whole(found(services().store.customer(account_id(), customer_id), customer_id))


def update_customer(customer_id: str) -> ResponseReturnValue:
    """The customer's new details; contacts replaced, new aliases added."""
    emulator = services()
    with refused_as_invalid():
        customer = emulator.store.update_customer(
            account_id(), customer_id, body(), emulator.clock.now(), emulator.mint
        )
    return whole(found(customer, customer_id))


def archive_customer(customer_id: str) -> ResponseReturnValue:
    """Archive the customer and its aliases (a project addition)."""
    emulator = services()
    customer = emulator.store.archive_customer(account_id(), customer_id, emulator.clock.now())
    return whole(found(customer, customer_id))


def list_aliases_of_customer(customer_id: str) -> ResponseReturnValue:
    """The customer's live aliases, oldest first."""
    store, account = services().store, account_id()
    found(store.customer(account, customer_id), customer_id)
    return {"items": [dump_alias_brief(a) for a in store.aliases_of_customer(account, customer_id)]}


def get_customer_by_alias(alias: str) -> ResponseReturnValue:
    """The customer a live alias (or a customer id) stands for."""
    customer = services().store.customer_by_alias(account_id(), alias)
    if customer is None:
        raise not_found(f"No customer with alias {alias!r}")
    return dump_customer_by_alias(customer)


def whole(customer: Customer) -> dict[str, object]:
    """The Customer object, with the organizations it belongs to."""
    return dump_customer(customer, organizations_of(customer))


def organizations_of(customer: Customer) -> tuple[Organization, ...]:
    """Its parent's organization, and its own if it has children."""
    store, account = services().store, account_id()
    parent = store.customer(account, customer.parent_id) if customer.parent_id else None
    siblings = store.customer_children(account, parent.id) if parent else []
    return organizations(parent, siblings, customer, store.customer_children(account, customer.id))


def found(customer: Customer | None, customer_id: str) -> Customer:
    """The customer, or a 404 naming the id."""
    if customer is None:
        raise not_found(f"No customer with id {customer_id!r}")
    return customer


@contextmanager
def refused_as_invalid() -> Iterator[None]:
    """Turn a broken customer rule into a 400 naming the body field."""
    try:
        yield
    except CustomerRuleError as error:
        raise validation_error([Problem(f"body.{error.field}", str(error))]) from None
