"""The JSON of a customer's contacts, as Sequence names their fields (BEHAVIOUR.md §13)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import fields, post_load

from emulator.domain.contacts import Contact, ContactDraft
from emulator.domain.timestamps import format_utc
from emulator.schemas.base import LenientSchema, dump_time, present


class ContactDraftSchema(LenientSchema):
    """A contact in a request (ContactRequestModel): alone, or in a customer's."""

    name = fields.String(required=True)
    email = fields.String(required=True)
    billing_preference = fields.String(data_key="billingPreference", required=True)

    @post_load
    def make_contact(self, data: dict[str, Any], **_: Any) -> ContactDraft:
        """Build the domain object."""
        return ContactDraft(**data)


class ContactListQuerySchema(LenientSchema):
    """The query string of GET /customers/{customer}/contacts."""

    include_archived = fields.Boolean(data_key="includeArchived", load_default=False)

    @post_load
    def flag(self, data: dict[str, Any], **_: Any) -> bool:
        """Whether archived contacts are wanted."""
        return bool(data["include_archived"])


CONTACT_DRAFT = ContactDraftSchema()
CONTACT_LIST_QUERY = ContactListQuerySchema()


def dump_contact(contact: Contact, *, precise: bool = False) -> dict[str, Any]:
    """A Contact object; `precise` keeps the microseconds, as the state document does."""
    return present(
        id=contact.id,
        name=contact.name,
        email=contact.email,
        billingPreference=contact.billing_preference,
        createdAt=format_utc(contact.created_at, precise),
        updatedAt=format_utc(contact.updated_at, precise),
        archivedAt=dump_time(contact.archived_at, precise=precise),
    )


def dump_contacts(contacts: Iterable[Contact]) -> dict[str, Any]:
    """A list of contacts (ContactResponseModel): `items` only, no pagination."""
    return {"items": [dump_contact(contact) for contact in contacts]}
