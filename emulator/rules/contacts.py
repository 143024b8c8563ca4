"""Contact flows, written once (BEHAVIOUR.md §13): a customer's contacts live in its row, so
each change reads the customer, changes its contacts under the billing rule, and stores it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from emulator.domain.contacts import Contact, ContactDraft, added, archived, changed, edited, live
from emulator.rules.minting import Mint
from emulator.store import customers as rows
from emulator.store.database import Transaction


def listing(
    transaction: Transaction, account_id: str, customer_id: str, include_archived: bool
) -> tuple[Contact, ...] | None:
    """A customer's contacts in their order, archived ones only when asked; None if unknown."""
    customer = rows.find(transaction, account_id, customer_id)
    if customer is None:
        return None
    return customer.contacts if include_archived else live(customer.contacts)


def create(
    transaction: Transaction, account_id: str, customer_id: str, draft: ContactDraft, mint: Mint
) -> Contact | None:
    """A new contact, last of the customer's, or BillingRuleError; None if unknown."""
    customer = rows.find(transaction, account_id, customer_id)
    if customer is None:
        return None
    contacts, contact = added(customer.contacts, draft, mint())
    rows.put(transaction, replace(customer, contacts=contacts))
    return contact


def update(
    transaction: Transaction,
    account_id: str,
    customer_id: str,
    contact_id: str,
    draft: ContactDraft,
    now: datetime,
) -> Contact | None:
    """The contact's new fields, or BillingRuleError; None if the customer has no such contact."""
    return _change(
        transaction, account_id, customer_id, contact_id, lambda c: edited(c, draft, now)
    )


def archive(
    transaction: Transaction, account_id: str, customer_id: str, contact_id: str, now: datetime
) -> Contact | None:
    """Archive a contact, or BillingRuleError; None if the customer has no such contact."""
    return _change(transaction, account_id, customer_id, contact_id, lambda c: archived(c, now))


def _change(
    transaction: Transaction,
    account_id: str,
    customer_id: str,
    contact_id: str,
    change: Callable[[Contact], Contact],
) -> Contact | None:
    customer = rows.find(transaction, account_id, customer_id)
    found = None if customer is None else changed(customer.contacts, contact_id, change)
    if customer is None or found is None:
        return None
    contacts, contact = found
    if contacts is not customer.contacts:
        rows.put(transaction, replace(customer, contacts=contacts))
    return contact
