"""The JSON of seat balances, one item per customer."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load

from emulator.domain.balances import BalanceFilter, CustomerSeatBalances
from emulator.schemas.base import LenientSchema
from emulator.schemas.fields import CommaSeparated, Instant


class BalanceQuerySchema(LenientSchema):
    """The query string of GET /seat-balances."""

    exclude_zero = fields.Boolean(data_key="excludeZeroQuantity", load_default=False)
    aliases = CommaSeparated(data_key="customerAliases", load_default=None)
    customer_ids = CommaSeparated(data_key="customerIds", load_default=None)

    @post_load
    def make_filter(self, data: dict[str, Any], **_: Any) -> BalanceFilter:
        """Build the domain filter."""
        return BalanceFilter(**data)


class SeatBalanceSchema(Schema):
    """One seat type's balance."""

    seat_type = fields.String(data_key="seatType")
    total = fields.Integer()
    change_time = Instant(data_key="changeTimestamp")


class CustomerSeatBalancesSchema(Schema):
    """A customer's balances, as Sequence's CustomerSeatBalances."""

    id = fields.String()
    account_id = fields.String(data_key="sequenceAccountId")
    legal_name = fields.String(data_key="legalName")
    aliases = fields.List(fields.String(), data_key="customerAliases")
    total = fields.Integer()
    change_time = Instant(data_key="changeTimestamp")
    balances = fields.List(fields.Nested(SeatBalanceSchema))


BALANCE_QUERY = BalanceQuerySchema()
CUSTOMER_BALANCES = CustomerSeatBalancesSchema()


def dump_balances(customers: list[CustomerSeatBalances]) -> dict[str, Any]:
    """Every customer on one page: the endpoint takes no cursor."""
    return {
        "items": CUSTOMER_BALANCES.dump(customers, many=True),
        "pagination": {"after": None, "before": None, "totalResultSize": len(customers)},
    }
