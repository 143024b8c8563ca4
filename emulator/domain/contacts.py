"""A customer's contacts, and the billing rule they keep after every change (BEHAVIOUR.md §11,
§13). Archived contacts stay with the customer, out of sight unless asked for."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from emulator.domain.seat_events import Minted

BILLING_PREFERENCES = ("PRIMARY", "STANDARD", "NONE")
PRIMARY, STANDARD = "PRIMARY", "STANDARD"
BILLING_RULE = "A contact receives billing communications, so one must be PRIMARY"


class BillingRuleError(ValueError):
    """Contacts would receive billing communications with none of them PRIMARY."""


@dataclass(frozen=True, slots=True)
class ContactDraft:
    """A contact as a client sends it."""

    name: str
    email: str
    billing_preference: str


@dataclass(frozen=True, slots=True)
class Contact:
    """A stored contact."""

    id: str
    name: str
    email: str
    billing_preference: str
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None = None

    @property
    def is_archived(self) -> bool:
        """Whether the contact has been archived."""
        return self.archived_at is not None


def check_billing(preferences: Iterable[str]) -> None:
    """Sequence: "if any contacts receive billing communications then at least one contact
    must be designated PRIMARY for billing"."""
    held = set(preferences)
    if STANDARD in held and PRIMARY not in held:
        raise BillingRuleError(BILLING_RULE)


def live(contacts: Iterable[Contact]) -> tuple[Contact, ...]:
    """The contacts that are not archived, in their order."""
    return tuple(contact for contact in contacts if not contact.is_archived)


def new_contact(draft: ContactDraft, minted: Minted, now: datetime) -> Contact:
    """A contact made from a draft, created and updated at `now`."""
    return Contact(minted.id, draft.name, draft.email, draft.billing_preference, now, now)


def edited(contact: Contact, draft: ContactDraft, now: datetime) -> Contact:
    """The contact with the draft's fields; `updatedAt` moves only if one changed [decision]."""
    if (contact.name, contact.email, contact.billing_preference) == (
        draft.name,
        draft.email,
        draft.billing_preference,
    ):
        return contact
    return replace(
        contact,
        name=draft.name,
        email=draft.email,
        billing_preference=draft.billing_preference,
        updated_at=now,
    )


def archived(contact: Contact, now: datetime) -> Contact:
    """The contact archived; archiving again keeps the first time, and `updatedAt` stays, as
    in Sequence's example [decision]."""
    return contact if contact.is_archived else replace(contact, archived_at=now)


def replaced(
    existing: Iterable[Contact],
    drafts: Iterable[ContactDraft],
    now: datetime,
    mint: Callable[[], Minted],
) -> tuple[Contact, ...]:
    """A customer's contacts after PUT /customers: the drafts replace the live contacts, one
    sent again with the same email (any case) keeps its id; archived contacts stay [decision]."""
    kept = tuple(existing)
    by_email = {c.email.casefold(): c for c in live(kept)}
    contacts: list[Contact] = []
    for draft in drafts:
        known = by_email.pop(draft.email.casefold(), None)
        if known is None:
            contacts.append(new_contact(draft, mint(), now))
        else:
            contacts.append(edited(known, draft, now))
    return tuple(c for c in kept if c.is_archived) + tuple(contacts)


def added(
    contacts: tuple[Contact, ...], draft: ContactDraft, minted: Minted
) -> tuple[tuple[Contact, ...], Contact]:
    """The contacts with a new one at the end, or BillingRuleError."""
    contact = new_contact(draft, minted, minted.created_at)
    after = (*contacts, contact)
    check_billing(c.billing_preference for c in live(after))
    return after, contact


def changed(
    contacts: tuple[Contact, ...], contact_id: str, change: Callable[[Contact], Contact]
) -> tuple[tuple[Contact, ...], Contact] | None:
    """The contacts with one of them changed in place, or BillingRuleError; None if no contact
    has that id. A change that changes nothing is always allowed."""
    found = next((c for c in contacts if c.id == contact_id), None)
    if found is None:
        return None
    new = change(found)
    if new == found:
        return contacts, found
    after = tuple(new if c.id == contact_id else c for c in contacts)
    check_billing(c.billing_preference for c in live(after))
    return after, new
