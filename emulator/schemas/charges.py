"""The JSON of seat charges: a request in Sequence's price names, and the charge it gets.

The price is Sequence's `SeatBasedPricingStructure` (`pricePerSeat`, `prorationStrategy`,
`contractedMinimumSeats`, `tiers[] {upperBound, price, fee}`) with the price's `billingType` and
`currency` beside it; its other fields (`pricingType`, `seatMetricId`...) are ignored. Every
problem is reported at once: what cannot be read is named by its field, and the rest is still
checked by the domain's `charge_input_problems`, with stand-ins for what could not be read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from marshmallow import (
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from emulator.domain.charge_terms import (
    BillingType,
    ChargeInputError,
    SeatPrice,
    Tier,
    charge_input_problems,
    parse_billing_type,
    parse_proration_strategy,
)
from emulator.domain.charges import ChargeLine, SeatCharge
from emulator.domain.seat_events import MAX_TOTAL
from emulator.schemas.base import LenientSchema
from emulator.schemas.fields import Instant

MAX_PERIOD_DAYS = 3660  # ten years; PRORATE_ALL_CHANGES walks every day of the period
MAX_SEATS = MAX_TOTAL  # as a seat event's total
EXACT_DIGITS = 15  # a double tells apart every decimal of up to 15 significant digits
# [0-9], not \d: Decimal() reads other scripts' digits too (Arabic-Indic, fullwidth).
_DECIMAL = re.compile(r"[+-]?[0-9]{1,15}(?:\.[0-9]{1,12})?")
_WHOLE = re.compile(r"[+-]?[0-9]{1,10}(?:\.0+)?")
NOT_A_DECIMAL = (
    'Not a decimal: give a string such as "15.00", with at most 15 digits before the point '
    "and 12 after"
)
INEXACT = "A JSON number of more than 15 significant digits may have been rounded: send a string"
NOT_SEATS = f"Not a whole number of seats (at most {MAX_SEATS})"
_EARLIEST = datetime(1, 1, 1, tzinfo=timezone.utc)  # stand-ins for a date that did not load
_LATEST = datetime(9999, 12, 31, tzinfo=timezone.utc)


class Amount(fields.Field):  # type: ignore[type-arg]
    """A decimal as Sequence sends money ("15.00"), or a JSON number that is exactly as written.

    A JSON number arrives as a double; it is read as the shortest decimal that gives that double
    back, which is the number written whenever it has at most 15 significant digits. Longer ones
    could have been rounded on the way, so they are refused: send them as strings.
    """

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Decimal:
        if isinstance(value, str) and _DECIMAL.fullmatch(value):
            return Decimal(value)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**15:
            return Decimal(value)
        if isinstance(value, float) and math.isfinite(value):
            return self._from_double(value)
        raise ValidationError(NOT_A_DECIMAL)

    @staticmethod
    def _from_double(value: float) -> Decimal:
        shortest = Decimal(repr(value)).normalize()
        digits, exponent = shortest.as_tuple().digits, shortest.as_tuple().exponent
        if len(digits) > EXACT_DIGITS:
            raise ValidationError(INEXACT)
        if not isinstance(exponent, int) or exponent < -12 or abs(shortest) >= 10**15:
            raise ValidationError(NOT_A_DECIMAL)
        return shortest


class Seats(fields.Field):  # type: ignore[type-arg]
    """A number of seats: a JSON integer, or (as Sequence sends `upperBound`) a string of one."""

    def __init__(self, *, strings: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.strings = strings

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> int:
        if self.strings and isinstance(value, str) and _WHOLE.fullmatch(value):
            value = int(Decimal(value))
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_SEATS:
            return value
        raise ValidationError(NOT_SEATS)


class Strategy(fields.Field):  # type: ignore[type-arg]
    """`prorationStrategy`: one of Sequence's three; null (or absent) bills with no proration."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        try:
            return parse_proration_strategy(value)
        except ChargeInputError as error:
            raise ValidationError(error.message) from None


class Billing(fields.Field):  # type: ignore[type-arg]
    """`billingType`: IN_ADVANCE or IN_ARREARS."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> BillingType:
        try:
            return parse_billing_type(value)
        except ChargeInputError as error:
            raise ValidationError(error.message) from None


class Placed(fields.List):  # type: ignore[type-arg]
    """A list whose items keep their places when some fail, so later problems name the right one."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> list[Any]:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        loaded: list[Any] = []
        errors: dict[int, Any] = {}
        for index, item in enumerate(value):
            try:
                loaded.append(self.inner.deserialize(item, **kwargs))
            except ValidationError as error:
                loaded.append(error.valid_data if isinstance(error.valid_data, dict) else {})
                errors[index] = error.messages
        if errors:
            raise ValidationError(errors, valid_data=loaded)
        return loaded


class TierSchema(LenientSchema):
    """One of Sequence's `SeatUsageTier`s; loaded as a dict, turned into a Tier with the price."""

    upper_bound = Seats(data_key="upperBound", strings=True, load_default=None, allow_none=True)
    price = Amount(required=True)
    fee = Amount(load_default=None, allow_none=True)


class SeatPriceSchema(LenientSchema):
    """The price: a SeatBasedPricingStructure with the price's billingType and currency."""

    price_per_seat = Amount(data_key="pricePerSeat", load_default=None, allow_none=True)
    proration_strategy = Strategy(data_key="prorationStrategy", load_default=None, allow_none=True)
    billing_type = Billing(data_key="billingType", required=True)
    contracted_minimum_seats = Seats(
        data_key="contractedMinimumSeats", load_default=None, allow_none=True
    )
    tiers = Placed(fields.Nested(TierSchema), load_default=None, allow_none=True)
    currency = fields.String(load_default=None, allow_none=True)


@dataclass(frozen=True)
class SeatChargeRequest:
    """What POST /_emulator/seat-charges asks: whose seats, which period, at which price."""

    account_id: str | None
    customer_alias: str | None
    customer_id: str | None
    seat_type: str
    start: datetime
    end: datetime
    price: SeatPrice
    currency: str | None


_NAME = validate.Length(min=1)


class SeatChargeRequestSchema(LenientSchema):
    """The body of POST /_emulator/seat-charges."""

    account_id = fields.String(data_key="accountId", load_default=None, validate=_NAME)
    customer_alias = fields.String(data_key="customerAlias", load_default=None, validate=_NAME)
    customer_id = fields.String(data_key="customerId", load_default=None, validate=_NAME)
    seat_type = fields.String(data_key="seatType", required=True, validate=_NAME)
    start = Instant(data_key="startDate", required=True)
    end = Instant(data_key="endDate", required=True)
    price = fields.Nested(SeatPriceSchema, required=True)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def billable(self, data: dict[str, Any], original: Any, **_: Any) -> None:
        """One customer, and every problem the domain finds in what could be read."""
        if not isinstance(original, Mapping):
            return  # not an object: said already
        problems = {**_customer_problems(data), **_charge_problems(_Reading(data))}
        if problems:
            raise ValidationError(problems)

    @post_load
    def make_request(self, data: dict[str, Any], **_: Any) -> SeatChargeRequest:
        """Build the request; `billable` has found nothing wrong."""
        reading = _Reading(data)
        return SeatChargeRequest(
            account_id=data["account_id"],
            customer_alias=data["customer_alias"],
            customer_id=data["customer_id"],
            seat_type=data["seat_type"],
            start=reading.start,
            end=reading.end,
            price=reading.price,
            currency=data["price"]["currency"],
        )


def _customer_problems(data: Mapping[str, Any]) -> dict[str, list[str]]:
    # A field that failed to load was still sent: it counts as given.
    sent = [key for key in ("customer_alias", "customer_id") if data.get(key, "") is not None]
    if len(sent) == 2:
        return {"customerId": ["Give customerAlias or customerId, not both"]}
    if not sent:
        return {"customerAlias": ["Give customerAlias (or customerId): whose seats to bill"]}
    return {}


def _charge_problems(reading: _Reading) -> dict[str, list[str]]:
    """The domain's problems, in the body's names, but none on a field that did not load."""
    problems: dict[str, list[str]] = {}
    found = [*charge_input_problems(reading.start, reading.end, reading.price), *reading.extra()]
    for problem in found:
        if problem.field not in reading.unread:
            problems.setdefault(body_field(problem.field), []).append(problem.message)
    return problems


def body_field(domain_field: str) -> str:
    """The domain's `tiers[1].upperBound` as the body's `price.tiers.1.upperBound`."""
    if domain_field in ("startDate", "endDate"):
        return domain_field
    return "price." + re.sub(r"\[(\d+)\]", r".\1", domain_field)


class _Reading:
    """What loaded of a request, with neutral stand-ins (and their names) for what did not."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.unread: set[str] = set()
        price = data.get("price")
        self._price: Mapping[str, Any] = price if isinstance(price, Mapping) else {}
        self.start: datetime = self._take(data, "start", "startDate", _EARLIEST)
        self.end: datetime = self._take(data, "end", "endDate", _LATEST)
        self._tiers = tuple(self._tier(index, tier) for index, tier in enumerate(self._tier_data))
        self.price = SeatPrice(
            price_per_seat=self._take(self._price, "price_per_seat", "pricePerSeat", None)
            or Decimal(0),
            proration_strategy=self._take(
                self._price, "proration_strategy", "prorationStrategy", None
            ),
            billing_type=self._take(
                self._price, "billing_type", "billingType", BillingType.IN_ARREARS
            ),
            contracted_minimum_seats=self._take(
                self._price, "contracted_minimum_seats", "contractedMinimumSeats", 0
            )
            or 0,
            tiers=self._tiers,
        )

    @property
    def _tier_data(self) -> list[Any]:
        tiers = self._take(self._price, "tiers", "tiers", None)
        return list(tiers) if isinstance(tiers, list) else []

    def _tier(self, index: int, tier: Any) -> Tier:
        loaded: Mapping[str, Any] = tier if isinstance(tier, Mapping) else {}
        name = f"tiers[{index}]"
        return Tier(
            upper_bound=self._take(loaded, "upper_bound", f"{name}.upperBound", None),
            price=self._take(loaded, "price", f"{name}.price", Decimal(0)),
            fee=self._take(loaded, "fee", f"{name}.fee", None) or Decimal(0),
        )

    def _take(self, loaded: Mapping[str, Any], key: str, name: str, stand_in: Any) -> Any:
        if key in loaded:
            return loaded[key]
        self.unread.add(name)
        return stand_in

    def extra(self) -> list[ChargeInputError]:
        """What the endpoint asks beyond the domain: a price per seat or tiers, a bounded period."""
        found: list[ChargeInputError] = []
        no_price = self._price.get("price_per_seat", 0) is None and "tiers" not in self.unread
        if no_price and not self._tiers:
            found.append(ChargeInputError("pricePerSeat", "Give pricePerSeat, or tiers"))
        if {"startDate", "endDate"} & self.unread:
            return found
        days = (self.end - self.start).days
        if days > MAX_PERIOD_DAYS:
            message = f"A period is at most {MAX_PERIOD_DAYS} days (ten years), not {days}"
            found.append(ChargeInputError("endDate", message))
        return found


SEAT_CHARGE_REQUEST = SeatChargeRequestSchema()


def dump_seat_charge(
    asked: SeatChargeRequest,
    account_id: str,
    customer: tuple[str | None, str],
    charge: SeatCharge,
) -> dict[str, Any]:
    """The charge, its customer (alias or None, id) and period, money as decimal strings."""
    alias, customer_id = customer
    return {
        "accountId": account_id,
        "customerAlias": alias,
        "customerId": customer_id,
        "seatType": asked.seat_type,
        "startDate": asked.start.date().isoformat(),
        "endDate": asked.end.date().isoformat(),
        "periodDays": (asked.end - asked.start).days,
        "currency": asked.currency,
        "quantity": format(charge.quantity, "f"),
        "amount": money(charge.amount),
        "lines": [dump_charge_line(line) for line in charge.lines],
    }


def dump_charge_line(line: ChargeLine) -> dict[str, Any]:
    """One line: its seats, days of the period, rate, tier, fee and amount."""
    return {
        "description": line.description,
        "seats": line.seats,
        "days": line.days,
        "periodDays": line.period_days,
        "rate": money(line.rate),
        "tier": line.tier,
        "fee": money(line.fee),
        "amount": money(line.amount),
        "since": line.since.isoformat(),
        "inAdvance": line.in_advance,
    }


def money(value: Decimal) -> str:
    """`value` exactly, with at least 2 decimal places, and never `-0.00`."""
    text = format(value.copy_abs() if value == 0 else value, "f")
    whole, _, places = text.partition(".")
    return f"{whole}.{places.ljust(2, '0')}"
