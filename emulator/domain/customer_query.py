"""Which customers and aliases a list request wants, and in which order (BEHAVIOUR.md §11)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from enum import Enum

from emulator.domain.customers import Customer
from emulator.domain.pages import (
    InvalidCursorError,
    PageRequest,
    cursor_id,
    decode_cursor,
    encode_cursor,
)

# createdAt keys are ids (UUIDv7 strings sort by creation); legalName keys add the name.
CustomerKey = str | tuple[str, str]


class CustomerSortBy(str, Enum):
    """The columns a customer list can be sorted by [decision: Sequence names none]."""

    CREATED_AT = "createdAt"
    LEGAL_NAME = "legalName"


def name_contains(legal_name: str, wanted: str) -> bool:
    """The legalName filter: a substring, ignoring case [decision]."""
    return wanted.casefold() in legal_name.casefold()


def folded_emails(customer: Customer) -> str:
    """The live contacts' emails, case-folded, one per line: what the email filter searches."""
    return "\n".join(contact.email.casefold() for contact in customer.live_contacts)


@dataclass(frozen=True)
class CustomerFilter:
    """The filters of GET /customers; None means 'any'.

    `alias` is resolved by the store to the customer it stands for (a live alias, else a
    customer id), and that customer's id is given to `matches`.
    """

    legal_name: str | None = None
    email: str | None = None
    alias: str | None = None
    label: str | None = None
    include_archived: bool = False

    def matches(self, customer: Customer, alias_owner: str | None = None) -> bool:
        """Whether `customer` passes every filter."""
        return (
            (self.include_archived or not customer.is_archived)
            and (self.legal_name is None or name_contains(customer.legal_name, self.legal_name))
            and (self.email is None or customer.has_email(self.email))
            and (self.label is None or customer.label == self.label)
            and (self.alias is None or customer.id == alias_owner)
        )


@dataclass(frozen=True)
class CustomerQuery:
    """A whole customer list request: filters, sort and page."""

    filter: CustomerFilter
    sort_by: CustomerSortBy
    page: PageRequest[CustomerKey]


@dataclass(frozen=True)
class AliasQuery:
    """A customer-alias list request: live aliases, by value or all, newest first."""

    value: str | None
    page: PageRequest[str]


def customer_sort_key(customer: Customer, sort_by: CustomerSortBy) -> CustomerKey:
    """Where a customer stands in a list sorted by `sort_by` (ties broken by id)."""
    if sort_by is CustomerSortBy.CREATED_AT:
        return customer.id
    return (customer.legal_name, customer.id)


def customer_cursor(customer: Customer, sort_by: CustomerSortBy) -> str:
    """The opaque cursor that points at `customer` in that sort."""
    if sort_by is CustomerSortBy.CREATED_AT:
        return encode_cursor(customer.id)
    # The name in base64 (commas separate the parts), after a letter (an empty name stays a part).
    name = base64.urlsafe_b64encode(customer.legal_name.encode()).decode().rstrip("=")
    return encode_cursor(f"n{name}", customer.id)


def customer_key_from_cursor(text: str, sort_by: CustomerSortBy) -> CustomerKey:
    """Decode a cursor made by customer_cursor for the same sort, or InvalidCursorError."""
    if sort_by is CustomerSortBy.CREATED_AT:
        (customer_id,) = decode_cursor(text, 1)
        return cursor_id(customer_id, text)
    name, customer_id = decode_cursor(text, 2)
    if not name.startswith("n"):
        raise InvalidCursorError(f"{text!r} is not a cursor for this sort")
    name = name[1:]
    try:
        padded = name + "=" * (-len(name) % 4)
        raw = base64.b64decode(padded.encode(), altchars=b"-_", validate=True)
        legal_name = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursorError(f"{text!r} is not a cursor for this sort") from None
    if "\x00" in legal_name:  # no legal name holds one (PostgreSQL's text cannot)
        raise InvalidCursorError(f"{text!r} is not a cursor for this sort")
    return (legal_name, cursor_id(customer_id, text))


def alias_cursor_key(text: str) -> str:
    """The alias id a cursor of GET /customer-aliases points at, or InvalidCursorError."""
    (alias_id,) = decode_cursor(text, 1)
    return cursor_id(alias_id, text)
