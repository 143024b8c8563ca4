"""Customers, their aliases, and whom a seat event's alias stands for (BEHAVIOUR.md §6, §11).

Sequence's customer record, kept as it was sent (ids, times and defaults added), and the rules
the emulator holds it to. Decisions where Sequence is silent are marked [decision] and listed in
the README.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from emulator.domain.contacts import (
    PRIMARY,
    STANDARD,
    BillingRuleError,
    Contact,
    ContactDraft,
    check_billing,
    live,
    new_contact,
    replaced,
)
from emulator.domain.seat_events import VOID_ALIAS, Minted

# Fixed forever: an implicit customer's id must not change between releases.
CUSTOMER_NAMESPACE = uuid.UUID("0b9f6f2e-2f0c-5d1e-8a7b-3c4d5e6f7a80")
# Fixed forever too: the id of the organization a customer owns.
ORGANIZATION_NAMESPACE = uuid.UUID("5c1d7a3e-9b2f-5e4a-8c6d-1f0e2d3c4b5a")

TAX_STATUSES = ("TAXED", "TAX_EXEMPT", "REVERSE_CHARGED")
CUSTOMER_STATUSES = ("DRAFT", "ACTIVE")
DEFAULT_STATUS = "ACTIVE"  # Sequence: "the default state when a customer is created via API"
STATE_REQUIRED_IN = frozenset({"US", "CA"})  # Sequence: "required for USA and Canada"


@lru_cache(maxsize=1 << 16)  # balances name every unmapped alias's customer on every call
def implicit_customer_id(account_id: str, alias: str) -> str:
    """The stable id of the implicit customer an unmapped alias stands for."""
    return str(uuid.uuid5(CUSTOMER_NAMESPACE, f"{account_id}/{alias}"))


def organization_id(account_id: str, owner_id: str) -> str:
    """The stable id of the organization a customer owns once it has children [decision]."""
    return str(uuid.uuid5(ORGANIZATION_NAMESPACE, f"{account_id}/{owner_id}"))


class CustomerRuleError(ValueError):
    """A request breaks a rule of customers or aliases; `field` names the body field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# --- Customers ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address; `country` is ISO 3166-1 alpha-2, `state` a US state or CA province."""

    line1: str
    town: str
    postcode: str
    country: str
    line2: str | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True)
class IntegrationId:
    """A link to the customer in another service; nothing syncs in the emulator [decision]."""

    service: str
    id: str
    is_pending: bool = False
    last_synced: datetime | None = None


@dataclass(frozen=True)
class CustomerDraft:
    """The body of POST /customers and PUT /customers/{id}; None means 'not sent'."""

    legal_name: str
    address: Address
    contacts: tuple[ContactDraft, ...]
    tax_status: str
    url: str | None = None
    label: str | None = None
    aliases: tuple[str, ...] = ()
    integration_ids: tuple[IntegrationId, ...] | None = None
    parent_id: str | None = None
    status: str | None = None
    custom_properties: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Customer:
    """A stored customer of one account."""

    id: str
    account_id: str
    legal_name: str
    address: Address
    contacts: tuple[Contact, ...]
    tax_status: str
    status: str
    created_at: datetime
    url: str | None = None
    label: str | None = None
    integration_ids: tuple[IntegrationId, ...] = ()
    parent_id: str | None = None
    custom_properties: Mapping[str, str] = field(default_factory=dict)
    archived_at: datetime | None = None

    @property
    def is_archived(self) -> bool:
        """Whether the customer has been archived."""
        return self.archived_at is not None

    @property
    def domain(self) -> str | None:
        """The host of `url`, without a leading `www.` [decision]; None if it has none."""
        try:
            return url_domain(self.url)
        except CustomerRuleError:  # stored before urls were checked: answer, do not fail
            return None

    @property
    def live_contacts(self) -> tuple[Contact, ...]:
        """The contacts that are not archived: what Customer.contacts shows."""
        return live(self.contacts)

    @property
    def main_contact(self) -> Contact | None:
        """The PRIMARY contact, else the first one [decision]."""
        primary = [c for c in self.live_contacts if c.billing_preference == PRIMARY]
        candidates = primary or list(self.live_contacts)
        return candidates[0] if candidates else None

    @property
    def email(self) -> str:
        """The main contact's email; empty when there is no contact [decision]."""
        contact = self.main_contact
        return contact.email if contact else ""

    @property
    def billing_emails(self) -> tuple[str, ...]:
        """Emails of contacts that receive billing communications, PRIMARY ones first."""
        ranked = sorted(
            (c for c in self.live_contacts if c.billing_preference in (PRIMARY, STANDARD)),
            key=lambda c: c.billing_preference != PRIMARY,
        )
        return tuple(c.email for c in ranked)

    def has_email(self, email: str) -> bool:
        """Whether a live contact has this email, ignoring case."""
        return email.casefold() in (c.email.casefold() for c in self.live_contacts)


def url_domain(url: str | None) -> str | None:
    """The host of a url without a leading `www.`; CustomerRuleError if it cannot be parsed."""
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError as error:
        raise CustomerRuleError("url", f"Not a valid URL: {error}") from None
    return host.removeprefix("www.") if host else None


def check_contacts(contacts: Sequence[ContactDraft]) -> None:
    """Sequence: if any contact receives billing communications, one must be PRIMARY."""
    try:
        check_billing(c.billing_preference for c in contacts)
    except BillingRuleError as error:
        raise CustomerRuleError("contacts", str(error)) from None


def check_alias_values(values: Sequence[str], field_name: str) -> None:
    """Alias values are unique, and never VOID (a VOID event counts for nobody) [decision]."""
    seen: set[str] = set()
    for value in values:
        if value == VOID_ALIAS:
            raise CustomerRuleError(field_name, f"{VOID_ALIAS!r} cannot be a customer alias")
        if value in seen:
            raise CustomerRuleError(field_name, f"Alias {value!r} appears twice")
        seen.add(value)


def alias_taken(value: str, field_name: str) -> CustomerRuleError:
    """The error for a value that is already a live alias of the account."""
    return CustomerRuleError(field_name, f"Alias {value!r} is already in use in this account")


def check_parent(
    customer_id: str | None, parent_id: str, lookup: Callable[[str], Customer | None]
) -> None:
    """The parent exists in the account, and is not the customer or one of its descendants."""
    seen: set[str] = set()
    current = lookup(parent_id)
    if current is None:
        raise CustomerRuleError("parentId", f"No customer with id {parent_id!r}")
    while current is not None and current.id not in seen:
        if current.id == customer_id:
            raise CustomerRuleError("parentId", "A customer cannot be its own parent or ancestor")
        seen.add(current.id)
        current = lookup(current.parent_id) if current.parent_id else None


def new_customer(draft: CustomerDraft, account_id: str, mint: Callable[[], Minted]) -> Customer:
    """The customer a draft creates; each contact gets its own id."""
    check_contacts(draft.contacts)
    url_domain(draft.url)
    minted = mint()
    now = minted.created_at
    return Customer(
        id=minted.id,
        account_id=account_id,
        legal_name=draft.legal_name,
        address=draft.address,
        contacts=tuple(new_contact(c, mint(), now) for c in draft.contacts),
        tax_status=draft.tax_status,
        status=draft.status or DEFAULT_STATUS,
        created_at=now,
        url=draft.url,
        label=draft.label,
        integration_ids=draft.integration_ids or (),
        parent_id=draft.parent_id,
        custom_properties=dict(draft.custom_properties or {}),
    )


def updated_customer(
    customer: Customer, draft: CustomerDraft, now: datetime, mint: Callable[[], Minted]
) -> Customer:
    """The customer after PUT: required fields and contacts replaced, optional ones kept when
    left out [decision]; a live contact keeps its id when its email is sent again."""
    check_contacts(draft.contacts)
    url_domain(draft.url)
    return replace(
        customer,
        legal_name=draft.legal_name,
        address=draft.address,
        contacts=replaced(customer.contacts, draft.contacts, now, mint),
        tax_status=draft.tax_status,
        status=draft.status or customer.status,
        url=draft.url if draft.url is not None else customer.url,
        label=draft.label if draft.label is not None else customer.label,
        integration_ids=(
            draft.integration_ids if draft.integration_ids is not None else customer.integration_ids
        ),
        parent_id=draft.parent_id if draft.parent_id is not None else customer.parent_id,
        custom_properties=(
            dict(draft.custom_properties)
            if draft.custom_properties is not None
            else customer.custom_properties
        ),
    )


def archived_customer(customer: Customer, now: datetime) -> Customer:
    """The customer archived; archiving again keeps the first time [decision]."""
    return customer if customer.is_archived else replace(customer, archived_at=now)


# --- Organizations ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CustomerIdWithName:
    """A customer as an organization lists it."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Organization:
    """A parent customer (the owner) and its children (the members)."""

    id: str
    owner: CustomerIdWithName
    members: tuple[CustomerIdWithName, ...]


def organization_of(owner: Customer, children: Iterable[Customer]) -> Organization:
    """The organization `owner` owns, its children as members in creation order."""
    return Organization(
        id=organization_id(owner.account_id, owner.id),
        owner=CustomerIdWithName(owner.id, owner.legal_name),
        members=tuple(
            CustomerIdWithName(c.id, c.legal_name) for c in sorted(children, key=lambda c: c.id)
        ),
    )


def organizations(
    parent: Customer | None,
    siblings: Sequence[Customer],
    customer: Customer,
    children: Sequence[Customer],
) -> tuple[Organization, ...]:
    """The organizations a customer belongs to: its parent's, and its own if it has children."""
    found: list[Organization] = []
    if parent is not None:
        found.append(organization_of(parent, siblings))
    if children:
        found.append(organization_of(customer, children))
    return tuple(found)


# --- Aliases ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AliasDraft:
    """The body of POST /customer-aliases."""

    customer_id: str
    value: str
    label: str | None = None


@dataclass(frozen=True, slots=True)
class AliasUpdate:
    """The body of PUT /customer-aliases/{id}; a label left out stays [decision]."""

    label: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerAlias:
    """An alias value mapped to a customer; live until deleted or archived with its customer."""

    id: str
    account_id: str
    customer_id: str
    value: str
    created_at: datetime
    label: str | None = None
    deleted_at: datetime | None = None
    archived_at: datetime | None = None

    @property
    def is_live(self) -> bool:
        """Whether the alias maps its value now (a deleted or archived one frees it)."""
        return self.deleted_at is None and self.archived_at is None


def new_alias(
    customer: Customer, value: str, label: str | None, minted: Minted, field_name: str
) -> CustomerAlias:
    """A live alias of `customer`; an archived customer takes no new alias [decision]."""
    if customer.is_archived:
        raise CustomerRuleError(field_name, f"Customer {customer.id!r} is archived")
    return CustomerAlias(
        minted.id, customer.account_id, customer.id, value, minted.created_at, label
    )


def updated_alias(alias: CustomerAlias, update: AliasUpdate) -> CustomerAlias:
    """The alias with its new label; value and customer never change."""
    return alias if update.label is None else replace(alias, label=update.label)


# --- Which customer an alias stands for ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """What balances need of a real customer: its id, name and live aliases (oldest first)."""

    id: str
    legal_name: str
    aliases: tuple[str, ...]


# Seat-event aliases (or customer ids) -> the real customer each stands for; an alias that is
# missing stands for its implicit customer. A live alias wins over a customer id [decision].
AliasDirectory = Mapping[str, CustomerRef]
