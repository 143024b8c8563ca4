"""What a usage metric adds up to over some events (BEHAVIOUR.md §12).

Sequence publishes the fields (COUNT, SUM, UNIQUE, filters, negation, caseSensitive) but not
the arithmetic; the choices here are marked [decision].
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Context, Decimal
from typing import Any

from emulator.domain.seat_event_query import micros
from emulator.domain.timestamps import parse_timestamp
from emulator.domain.usage_events import Properties, canonical_json
from emulator.domain.usage_metrics import CUSTOM, UsageMetric

_BARE_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# ISO 31-0: digits, optionally grouped by threes with a (thin) space, and a point or a comma
# as the decimal sign.
_ISO_31_0 = re.compile(r"[+-]?(?:[0-9]{1,3}(?:[ \u2009\u202f][0-9]{3})+|[0-9]+)(?:[.,][0-9]+)?")
_TICK = timedelta(microseconds=1)
_LAST_INSTANT = datetime.max.replace(tzinfo=timezone.utc)
ZERO = Decimal(0)
# Amounts a SUM takes lie within 10^±MAX_EXPONENT [decision]: beyond that a value is skipped
# as not a number. So every sum is exact in EXACT, however events are added and taken away.
MAX_EXPONENT = 1000
EXACT = Context(prec=4 * MAX_EXPONENT + 100, Emax=4 * MAX_EXPONENT, Emin=-4 * MAX_EXPONENT)
_KEPT_KEY = 200  # characters of a value kept as its key; a longer one is kept as its hash


class CustomMetricError(ValueError):
    """A CUSTOM metric: Sequence does not publish its SQL, so the emulator cannot compute it."""


@dataclass(frozen=True)
class Calculation:
    """The events that contributed, the value, and the smallest and largest contributing id."""

    event_count: int
    value: Decimal
    min_event_id: str | None
    max_event_id: str | None


def period_end(text: str) -> datetime:
    """The exclusive instant a period ending at `text` (inclusive) stops before: a bare date
    covers that whole UTC day [decision]."""
    step = timedelta(days=1) if _BARE_DATE.fullmatch(text) else _TICK
    try:
        return parse_timestamp(text) + step
    except OverflowError:  # the period ends on the last day a date can name
        return _LAST_INSTANT


def end_micros(end: datetime) -> int:
    """A period's exclusive end in microseconds since the epoch: the last instant a date can
    name (period_end's answer past it) stands for one microsecond beyond, so that an event at
    that very instant counts."""
    return micros(end) + (1 if end == _LAST_INSTANT else 0)


def value_text(value: Any, match_case: bool) -> str:
    """A JSON value as filters and UNIQUE compare it, as text a database can keep: numbers by
    exact amount (1, 1.0 and 1e0 are one value), text per case, anything else as canonical
    JSON; a long key (or one no database can hold) as its hash, equal where the value is."""
    if isinstance(value, bool):
        key = f"b:{str(value).lower()}"
    elif isinstance(value, int | float):
        amount = Decimal(repr(value))
        key = f"n:{_exact(amount)}" if amount.is_finite() else f"j:{canonical_json(value)}"
    elif isinstance(value, str):
        key = f"t:{value if match_case else value.casefold()}"
    else:
        key = f"j:{canonical_json(value)}"
    if len(key) <= _KEPT_KEY and "\x00" not in key and _encodable(key):
        return key
    return "h:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _exact(amount: Decimal) -> str:
    """One spelling per amount, with no rounding: its digits without trailing zeros, and the
    power of ten they are scaled by (normalize() would round to 28 digits)."""
    if not amount:
        return "0"
    sign, digits, exponent = amount.as_tuple()
    text = "".join(map(str, digits)).rstrip("0")
    exponent = int(exponent) + len(digits) - len(text)
    return f"{'-' if sign else ''}{text}e{exponent}"


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def number(value: Any) -> Decimal | None:
    """A property value as an exact number: a finite JSON number, or text holding an ISO 31-0
    one, within 10^±MAX_EXPONENT."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        amount = Decimal(repr(value))
    elif isinstance(value, str) and _ISO_31_0.fullmatch(value.strip()):
        amount = Decimal(re.sub(r"[ \u2009\u202f]", "", value.strip()).replace(",", "."))
    else:
        return None
    if not amount.is_finite():  # 1e400 reads as infinity
        return None
    return amount if not amount or abs(amount.adjusted()) <= MAX_EXPONENT else None


@dataclass(frozen=True)
class Contribution:
    """What one passing event adds: to a SUM its amount, to a UNIQUE its value."""

    amount: Decimal = ZERO
    value: str | None = None


COUNTED = Contribution()


class MetricRule:
    """One metric's filters and aggregation, prepared once for many events."""

    def __init__(self, metric: UsageMetric) -> None:
        if metric.aggregation_type == CUSTOM:
            raise CustomMetricError(
                "Custom metrics (aggregationType CUSTOM) are not emulated: Sequence does not"
                " publish how their SQL is run"
            )
        self.metric = metric
        self.kind = metric.aggregation_type
        self.property = metric.aggregation_property or ""
        self.case = metric.matches_case
        negated = set(metric.properties_to_negate or ())
        self.filters = [
            (name, {value_text(v, self.case) for v in values}, name in negated)
            for name, values in metric.filters.items()
        ]

    def passes(self, properties: Properties) -> bool:
        """Whether an event's properties pass every filter; a missing property never does."""
        for name, accepted, negated in self.filters:
            if name not in properties:
                return False
            if (value_text(properties[name], self.case) in accepted) == negated:
                return False
        return True

    def contribution(self, properties: Properties) -> Contribution | None:
        """What an event of the metric's type adds, or None when it does not contribute: it
        fails a filter, or lacks the property aggregated (a SUM's must be a number)."""
        if not self.passes(properties):
            return None
        if self.kind == "SUM":
            amount = number(properties.get(self.property))
            return None if amount is None else Contribution(amount=amount)
        if self.kind == "UNIQUE":
            if self.property not in properties:
                return None
            return Contribution(value=value_text(properties[self.property], self.case))
        return COUNTED


@dataclass
class Tally:
    """Contributing events added up: counted one by one, or merged from stored totals."""

    events: int = 0
    total: Decimal = ZERO
    values: set[str] = field(default_factory=set)
    values_apart: int = 0  # distinct values counted elsewhere, none of them in `values`
    min_id: str | None = None
    max_id: str | None = None

    def count(self, event_id: str, contribution: Contribution) -> None:
        """One contributing event."""
        self.merge(1, contribution.amount, event_id, event_id)
        if contribution.value is not None:
            self.values.add(contribution.value)

    def merge(self, events: int, total: Decimal, min_id: str, max_id: str) -> None:
        """Events already added up elsewhere (their values merged separately)."""
        self.events += events
        self.total = EXACT.add(self.total, total)
        self.min_id = min_id if self.min_id is None else min(self.min_id, min_id)
        self.max_id = max_id if self.max_id is None else max(self.max_id, max_id)

    def result(self, kind: str) -> Calculation:
        """The metric's value: COUNT the events, SUM the amounts, UNIQUE the values."""
        distinct = Decimal(len(self.values) + self.values_apart)
        value = {"SUM": self.total, "UNIQUE": distinct}.get(kind, Decimal(self.events))
        return Calculation(self.events, value, self.min_id, self.max_id)


@dataclass(frozen=True)
class CalculationRequest:
    """Whose events, and the period [start, end) they must fall in."""

    customer_aliases: frozenset[str]  # aliases or customer ids
    start: datetime
    end: datetime  # exclusive: period_end() of the inclusive end sent
