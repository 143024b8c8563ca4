"""The terms a seat charge is asked for (BEHAVIOUR.md §10): the price, its proration strategy and
billing type, and the period; every problem with them, named by Sequence's field; and the exact
arithmetic of money and quantities that billing shares."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from itertools import chain
from typing import TypeVar

QUANTITY_PLACES = 12  # a quantity with no finite decimal expansion is shown to this many places
_EnumT = TypeVar("_EnumT", bound=Enum)


class ProrationStrategy(str, Enum):
    """Sequence's `prorationStrategy` for a seat-based price."""

    USE_MAXIMUM = "USE_MAXIMUM"
    PRORATE_INCREMENTS = "PRORATE_INCREMENTS"
    PRORATE_ALL_CHANGES = "PRORATE_ALL_CHANGES"


class BillingType(str, Enum):
    """Sequence's price-level `billingType`."""

    IN_ADVANCE = "IN_ADVANCE"
    IN_ARREARS = "IN_ARREARS"


class ChargeInputError(ValueError):
    """A price or period that cannot be billed, naming the Sequence field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Tier:
    """A graduated tier: seats up to `upper_bound` (None: unbounded) at `price`, plus `fee` once."""

    upper_bound: int | None
    price: Decimal
    fee: Decimal = Decimal(0)


@dataclass(frozen=True, kw_only=True)
class SeatPrice:
    """Sequence's SeatBasedPricingStructure with the price's billingType, in Python names."""

    price_per_seat: Decimal
    proration_strategy: ProrationStrategy | None  # None: no proration (§10)
    billing_type: BillingType
    contracted_minimum_seats: int = 0
    tiers: tuple[Tier, ...] = ()  # when given, they replace price_per_seat


# Input checks: every problem, each naming the Sequence field.


def charge_input_problems(
    start: datetime, end: datetime, price: SeatPrice
) -> tuple[ChargeInputError, ...]:
    """Every reason the period or price cannot be billed, in field order."""
    return tuple(chain(_period_problems(start, end), _price_problems(price)))


def parse_proration_strategy(value: object) -> ProrationStrategy | None:
    """Sequence's `prorationStrategy` text as the enum; null means no proration."""
    return None if value is None else _parse_enum(value, ProrationStrategy, "prorationStrategy")


def parse_billing_type(value: object) -> BillingType:
    """Sequence's `billingType` text as the enum."""
    return _parse_enum(value, BillingType, "billingType")


def _parse_enum(value: object, kind: type[_EnumT], name: str) -> _EnumT:
    for member in kind:
        if member.value == value:
            return member
    raise ChargeInputError(name, f"must be one of {_names(kind)}, not {value!r}")


def _period_problems(start: datetime, end: datetime) -> Iterator[ChargeInputError]:
    for name, instant in (("startDate", start), ("endDate", end)):
        if instant.utcoffset() is None:
            yield ChargeInputError(name, "must carry a UTC offset")
        elif not _is_utc_midnight(instant):
            yield ChargeInputError(name, "must be midnight UTC: periods are whole calendar days")
    aware = start.utcoffset() is not None and end.utcoffset() is not None
    if aware and end <= start:
        yield ChargeInputError("endDate", "must be after startDate")


def _is_utc_midnight(instant: datetime) -> bool:
    utc = instant.astimezone(timezone.utc)
    return utc == utc.replace(hour=0, minute=0, second=0, microsecond=0)


def _price_problems(price: SeatPrice) -> Iterator[ChargeInputError]:
    if not _is_amount(price.price_per_seat):
        yield ChargeInputError("pricePerSeat", "must be a decimal of at least 0")
    strategy = price.proration_strategy
    if strategy is not None and not _is_member(strategy, ProrationStrategy):
        yield ChargeInputError("prorationStrategy", f"must be one of {_names(ProrationStrategy)}")
    if not _is_member(price.billing_type, BillingType):
        yield ChargeInputError("billingType", f"must be one of {_names(BillingType)}")
    if not _is_count(price.contracted_minimum_seats):
        yield ChargeInputError("contractedMinimumSeats", "must be an integer of at least 0")
    yield from _tier_problems(price.tiers)


def _tier_problems(tiers: Sequence[Tier]) -> Iterator[ChargeInputError]:
    below = 0
    for index, tier in enumerate(tiers):
        name, last = f"tiers[{index}]", index == len(tiers) - 1
        bound = tier.upper_bound
        if bound is None and not last:
            yield ChargeInputError(f"{name}.upperBound", "only the last tier can be unbounded")
        elif bound is not None and last:
            yield ChargeInputError(f"{name}.upperBound", "the last tier must be unbounded (null)")
        if bound is not None and not (_is_count(bound) and bound > below):
            yield ChargeInputError(f"{name}.upperBound", f"must be an integer above {below}")
        elif bound is not None:
            below = bound
        if not _is_amount(tier.price):
            yield ChargeInputError(f"{name}.price", "must be a decimal of at least 0")
        if not _is_amount(tier.fee):
            yield ChargeInputError(f"{name}.fee", "must be a decimal of at least 0")


def _is_amount(value: object) -> bool:
    """A finite, non-negative Decimal or int (floats are refused: they are not exact)."""
    if isinstance(value, Decimal):
        return value.is_finite() and value >= 0
    return _is_count(value)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_member(value: object, kind: type[Enum]) -> bool:
    return isinstance(value, kind)


def _names(kind: type[Enum]) -> str:
    return ", ".join(str(member.value) for member in kind)


# Numbers.


def round_cents(value: Fraction) -> Decimal:
    """`value` rounded half-up (away from zero) to 2 places, from its exact value."""
    cents, rest = divmod(abs(value) * 100, 1)
    if rest * 2 >= 1:
        cents += 1
    return Decimal(int(cents) if value >= 0 else -int(cents)).scaleb(-2)


def to_decimal(value: Fraction, places: int = QUANTITY_PLACES) -> Decimal:
    """`value` exactly when its decimal expansion ends, else rounded half-up to `places`."""
    digits = _terminating_places(value.denominator)
    if digits is not None:
        return Decimal(value.numerator * 10**digits // value.denominator).scaleb(-digits)
    scaled, rest = divmod(abs(value) * 10**places, 1)
    if rest * 2 >= 1:
        scaled += 1
    return Decimal(int(scaled) if value >= 0 else -int(scaled)).scaleb(-places)


def _terminating_places(denominator: int) -> int | None:
    twos = fives = 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    return max(twos, fives) if denominator == 1 else None
