"""A customer's contacts: list, create, update, archive (BEHAVIOUR.md §13)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.domain.contacts import BillingRuleError, Contact
from emulator.http.context import account_id, body, query, services
from emulator.http.errors import ApiError, Problem, not_found, validation_error
from emulator.http.routing import route
from emulator.schemas.contacts import CONTACT_DRAFT, CONTACT_LIST_QUERY, dump_contact, dump_contacts

CONTACTS = "/customers/<customer_id>/contacts"


def blueprint() -> Blueprint:
    """The contact routes."""
    routes = Blueprint("contacts", __name__)
    route(routes, CONTACTS, "GET", list_contacts, query=CONTACT_LIST_QUERY)
    route(routes, CONTACTS, "POST", create_contact, body=CONTACT_DRAFT)
    route(routes, f"{CONTACTS}/<contact_id>", "PUT", update_contact, body=CONTACT_DRAFT)
    route(routes, f"{CONTACTS}/<contact_id>/archive", "POST", archive_contact)
    return routes


def list_contacts(customer_id: str) -> ResponseReturnValue:
    """The customer's contacts; archived ones with includeArchived=true."""
    contacts = services().store.contacts(account_id(), customer_id, query())
    if contacts is None:
        raise unknown_customer(customer_id)
    return dump_contacts(contacts)


def create_contact(customer_id: str) -> ResponseReturnValue:
    """A new contact of the customer."""
    emulator = services()
    with billing_rule_on("body.billingPreference"):
        contact = emulator.store.create_contact(account_id(), customer_id, body(), emulator.mint)
    if contact is None:
        raise unknown_customer(customer_id)
    return dump_contact(contact), 201


def update_contact(customer_id: str, contact_id: str) -> ResponseReturnValue:
    """The contact's new name, email and billing preference."""
    emulator = services()
    with billing_rule_on("body.billingPreference"):
        contact = emulator.store.update_contact(
            account_id(), customer_id, contact_id, body(), emulator.clock.now()
        )
    return dump_contact(found(contact, customer_id, contact_id))


def archive_contact(customer_id: str, contact_id: str) -> ResponseReturnValue:
    """Archive the contact: it leaves Customer.contacts."""
    emulator = services()
    with billing_rule_on("path.id"):
        contact = emulator.store.archive_contact(
            account_id(), customer_id, contact_id, emulator.clock.now()
        )
    return dump_contact(found(contact, customer_id, contact_id))


def unknown_customer(customer_id: str) -> ApiError:
    """The 404 of a customer the account does not have."""
    return not_found(f"No customer with id {customer_id!r}")


def found(contact: Contact | None, customer_id: str, contact_id: str) -> Contact:
    """The contact, or a 404 naming it and its customer."""
    if contact is None:
        raise not_found(f"No contact with id {contact_id!r} of customer {customer_id!r}")
    return contact


@contextmanager
def billing_rule_on(field: str) -> Iterator[None]:
    """Turn a broken billing rule into a 400 naming what the client sent."""
    try:
        yield
    except BillingRuleError as error:
        raise validation_error([Problem(field, str(error))]) from None
