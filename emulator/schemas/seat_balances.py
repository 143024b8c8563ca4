"""The JSON of seat balances, one item per customer."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load

from emulator.domain.balances import BalanceFilter, CustomerSeatBalances
from emulator.domain.timestamps import format_utc
from emulator.schemas.base import LenientSchema
from emulator.schemas.fields import CommaSeparated


class BalanceQuerySchema(LenientSchema):
    """The query string of GET /seat-balances."""

    exclude_zero = fields.Boolean(data_key="excludeZeroQuantity", load_default=False)
    aliases = CommaSeparated(data_key="customerAliases", load_default=None)
    customer_ids = CommaSeparated(data_key="customerIds", load_default=None)

    @post_load
    def make_filter(self, data: dict[str, Any], **_: Any) -> BalanceFilter:
        """Build the domain filter."""
        return BalanceFilter(**data)


BALANCE_QUERY = BalanceQuerySchema()


def dump_balances(customers: list[CustomerSeatBalances]) -> dict[str, Any]:
    """Every customer on one page: the endpoint takes no cursor.

    Written out by hand rather than by a marshmallow schema: one answer can hold thousands
    of customers, and a schema's per-field dispatch cost half the request's time.
    """
    return {
        "items": [_customer(customer) for customer in customers],
        "pagination": {"after": None, "before": None, "totalResultSize": len(customers)},
    }


def _customer(customer: CustomerSeatBalances) -> dict[str, Any]:
    """A customer's balances, as Sequence's CustomerSeatBalances. The customer's change time
    is one of its balances': each instant is formatted once."""
    stamps = {balance.change_time: format_utc(balance.change_time) for balance in customer.balances}
    return {
        "id": customer.id,
        "sequenceAccountId": customer.account_id,
        "legalName": customer.legal_name,
        "customerAliases": list(customer.aliases),
        "total": customer.total,
        "changeTimestamp": stamps[customer.change_time],
        "balances": [
            {
                "seatType": balance.seat_type,
                "total": balance.total,
                "changeTimestamp": stamps[balance.change_time],
            }
            for balance in customer.balances
        ],
    }
