"""What a usage metric adds up to over some events (BEHAVIOUR.md §12).

Sequence publishes the fields (COUNT, SUM, UNIQUE, filters, negation, caseSensitive) but not
the arithmetic; the choices here are marked [decision].
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from emulator.domain.timestamps import parse_timestamp
from emulator.domain.usage_events import Properties, canonical_json
from emulator.domain.usage_metrics import UsageMetric

_BARE_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# ISO 31-0: digits, optionally grouped by threes with a (thin) space, and a point or a comma
# as the decimal sign.
_ISO_31_0 = re.compile(r"[+-]?(?:[0-9]{1,3}(?:[ \u2009\u202f][0-9]{3})+|[0-9]+)(?:[.,][0-9]+)?")
_TICK = timedelta(microseconds=1)
_LAST_INSTANT = datetime.max.replace(tzinfo=timezone.utc)


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


def value_key(value: Any, match_case: bool) -> tuple[str, Any]:
    """A JSON value as compared by filters and UNIQUE: numbers by amount, text per case."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, int | float):
        return ("number", Decimal(repr(value)))
    if isinstance(value, str):
        return ("text", value if match_case else value.casefold())
    return ("json", canonical_json(value))


def number(value: Any) -> Decimal | None:
    """A property value as an exact number: a finite JSON number, or text holding an ISO 31-0
    one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        exact = Decimal(repr(value))
        return exact if exact.is_finite() else None  # 1e400 reads as infinity
    if isinstance(value, str) and _ISO_31_0.fullmatch(value.strip()):
        return Decimal(re.sub(r"[ \u2009\u202f]", "", value.strip()).replace(",", "."))
    return None


class MetricRule:
    """One metric's filters and aggregation, prepared once for many events."""

    def __init__(self, metric: UsageMetric) -> None:
        if metric.aggregation_type == "CUSTOM":
            raise CustomMetricError(
                "Custom metrics (aggregationType CUSTOM) are not emulated: Sequence does not"
                " publish how their SQL is run"
            )
        self.metric = metric
        case = metric.matches_case
        self.case = case
        negated = set(metric.properties_to_negate or ())
        self.filters = [
            (name, {value_key(v, case) for v in values}, name in negated)
            for name, values in metric.filters.items()
        ]

    def passes(self, properties: Properties) -> bool:
        """Whether an event's properties pass every filter; a missing property never does."""
        for name, accepted, negated in self.filters:
            if name not in properties:
                return False
            if (value_key(properties[name], self.case) in accepted) == negated:
                return False
        return True

    def calculate(self, events: Iterable[tuple[str, Properties]]) -> Calculation:
        """The metric over (id, properties) pairs of events already in period and of its type."""
        kind = self.metric.aggregation_type
        prop = self.metric.aggregation_property or ""
        ids: list[str] = []
        total = Decimal(0)
        seen: set[tuple[str, Any]] = set()
        for event_id, properties in events:
            if not self.passes(properties):
                continue
            if kind == "SUM":
                amount = number(properties.get(prop))
                if amount is None:
                    continue
                total += amount
            elif kind == "UNIQUE":
                if prop not in properties:
                    continue
                seen.add(value_key(properties[prop], self.case))
            ids.append(event_id)
        value = {"SUM": total, "UNIQUE": Decimal(len(seen))}.get(kind, Decimal(len(ids)))
        return Calculation(len(ids), value, min(ids, default=None), max(ids, default=None))

    @property
    def counts_rows(self) -> bool:
        """Whether the answer is a plain count of the events (no filter, COUNT)."""
        return self.metric.aggregation_type == "COUNT" and not self.filters


@dataclass(frozen=True)
class CalculationRequest:
    """Whose events, and the period [start, end) they must fall in."""

    customer_aliases: frozenset[str]  # aliases or customer ids
    start: datetime
    end: datetime  # exclusive: period_end() of the inclusive end sent
