"""Which Sequence account a client id belongs to, and that account's details (BEHAVIOUR.md §2,
§13)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields, replace
from datetime import datetime

from emulator.domain.seat_event_query import EPOCH

# Fixed forever: changing it would move every unconfigured client to a new account.
ACCOUNT_NAMESPACE = uuid.UUID("6f1c3a52-4d1e-5b7a-9c2f-0e8d7b6a5c41")
# Fixed forever too: the id of the Sequence organisation an account belongs to.
ORGANISATION_NAMESPACE = uuid.UUID("2a7c9e14-6b3d-5f80-9e1a-4c5d6e7f8091")

# An account nobody has updated answers these, which say whose they are [decision].
PLACEHOLDER_COMPANY_NAME = "Sequence Emulator account"
PLACEHOLDER_COMPANY_NUMBER = "SEQUENCE-EMULATOR"
PLACEHOLDER_COUNTRY = "GB"
# The emulator does not know when an account began; the epoch says so [decision].
ACCOUNT_CREATED_AT = EPOCH


def derived_account_id(client_id: str) -> str:
    """The stable account id of a client id that no configuration names."""
    return str(uuid.uuid5(ACCOUNT_NAMESPACE, f"client:{client_id}"))


def organisation_id(account_id: str) -> str:
    """The stable id of the organisation an account belongs to [decision]."""
    return str(uuid.uuid5(ORGANISATION_NAMESPACE, account_id))


@dataclass(frozen=True, slots=True)
class SequenceAccount:
    """The company details of one account, as GET /sequence-accounts/{id} shows them."""

    account_id: str
    company_name: str
    company_number: str
    country: str
    send_customer_notifications: bool
    alert_email_addresses: tuple[str, ...]

    @property
    def organisation_id(self) -> str:
        """The Sequence organisation the account belongs to."""
        return organisation_id(self.account_id)

    @property
    def created_at(self) -> datetime:
        """When the account was created, as far as the emulator knows."""
        return ACCOUNT_CREATED_AT


@dataclass(frozen=True, slots=True)
class AccountUpdate:
    """The body of PUT /sequence-accounts/{id}; None means 'left out, keep it' [decision]."""

    company_name: str | None = None
    company_number: str | None = None
    country: str | None = None
    send_customer_notifications: bool | None = None
    alert_email_addresses: tuple[str, ...] | None = None


def placeholder_account(account_id: str) -> SequenceAccount:
    """An account never updated: details that say they are the emulator's; the emulator sends
    no notifications, so it does not claim to [decision]."""
    return SequenceAccount(
        account_id,
        PLACEHOLDER_COMPANY_NAME,
        PLACEHOLDER_COMPANY_NUMBER,
        PLACEHOLDER_COUNTRY,
        send_customer_notifications=False,
        alert_email_addresses=(),
    )


def updated_account(account: SequenceAccount, update: AccountUpdate) -> SequenceAccount:
    """The account with every field the update gives; the others kept."""
    given = {field.name: getattr(update, field.name) for field in fields(update)}
    return replace(account, **{name: value for name, value in given.items() if value is not None})
