"""The JSON of the Sequence account the credentials stand for (BEHAVIOUR.md §13)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load

from emulator.domain.accounts import AccountUpdate, SequenceAccount
from emulator.domain.pages import Page, encode_cursor
from emulator.domain.timestamps import format_utc
from emulator.schemas.base import LenientSchema
from emulator.schemas.pages import IdPagedQuerySchema, dump_page


class AccountUpdateSchema(LenientSchema):
    """The body of PUT /sequence-accounts/{id}: every field optional, null as left out."""

    company_name = fields.String(data_key="companyName", allow_none=True, load_default=None)
    company_number = fields.String(data_key="companyNumber", allow_none=True, load_default=None)
    country = fields.String(allow_none=True, load_default=None)
    send_customer_notifications = fields.Boolean(
        data_key="sendCustomerNotifications", allow_none=True, load_default=None
    )
    alert_email_addresses = fields.List(
        fields.String(), data_key="alertEmailAddresses", allow_none=True, load_default=None
    )

    @post_load
    def make_update(self, data: dict[str, Any], **_: Any) -> AccountUpdate:
        """Build the domain object."""
        addresses = data.pop("alert_email_addresses")
        return AccountUpdate(
            **data, alert_email_addresses=None if addresses is None else tuple(addresses)
        )


ACCOUNT_UPDATE = AccountUpdateSchema()
ACCOUNT_LIST_QUERY = IdPagedQuerySchema()  # cursors hold an account id


def dump_account(account: SequenceAccount) -> dict[str, Any]:
    """A SequenceAccount object."""
    return {
        "id": account.account_id,
        "createdAt": format_utc(account.created_at),
        "sequenceOrganisationId": account.organisation_id,
        "companyName": account.company_name,
        "companyNumber": account.company_number,
        "country": account.country,
        "sendCustomerNotifications": account.send_customer_notifications,
        "alertEmailAddresses": list(account.alert_email_addresses),
    }


def dump_account_page(page: Page[SequenceAccount]) -> dict[str, Any]:
    """A page of accounts (ListSequenceAccountsResponse): nullable cursors, as in Sequence's."""
    return dump_page(page, dump_account, lambda account: encode_cursor(account.account_id))
