"""Usage metric totals per alias and UTC day (and a UNIQUE metric's values), kept up to date on
write so that a calculation over whole days reads one row a day instead of every event.
Storage only: which events contribute, and what, is decided in emulator.rules."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, func, select, update

from emulator.domain.seat_event_query import micros
from emulator.domain.usage_calculation import EXACT
from emulator.store.database import Transaction
from emulator.store.statements import Prepared
from emulator.store.tables import usage_metric_days as days
from emulator.store.tables import usage_metric_values as values

DAY_US = 86_400_000_000
_KEY = ("account_id", "metric_id", "customer_alias", "day")
DAY = and_(*(days.c[name] == bindparam(name) for name in _KEY))
VALUE = and_(
    *(values.c[name] == bindparam(name) for name in _KEY), values.c.value == bindparam("value")
)
READ_DAY = Prepared(select(days.c.events, days.c.total, days.c.min_id, days.c.max_id).where(DAY))
NEW_DAY = Prepared(days.insert())
SET_DAY = Prepared(
    update(days)
    .where(DAY)
    .values(
        events=bindparam("events"),
        total=bindparam("total"),
        min_id=bindparam("min_id"),
        max_id=bindparam("max_id"),
    )
)
FORGET_DAY = Prepared(days.delete().where(DAY))
SET_BOUNDS = Prepared(
    update(days).where(DAY).values(min_id=bindparam("min_id"), max_id=bindparam("max_id"))
)
VALUE_UP = Prepared(update(values).where(VALUE).values(events=values.c.events + 1))
NEW_VALUE = Prepared(values.insert())
FORGET_VALUE = Prepared(values.delete().where(VALUE, values.c.events == 1))
VALUE_DOWN = Prepared(update(values).where(VALUE).values(events=values.c.events - 1))
METRIC_ROWS = [
    Prepared(
        table.delete().where(
            table.c.account_id == bindparam("account_id"),
            table.c.metric_id == bindparam("metric_id"),
        )
    )
    for table in (days, values)
]


@dataclass(frozen=True)
class Place:
    """Where an event's totals are kept: its metric, alias and UTC day."""

    account_id: str
    metric_id: str
    customer_alias: str
    day: int

    def key(self) -> dict[str, Any]:
        """The primary key's values."""
        return {
            "account_id": self.account_id,
            "metric_id": self.metric_id,
            "customer_alias": self.customer_alias,
            "day": self.day,
        }


@dataclass
class DayTotal:
    """The contributing events of one place: how many, their amounts, smallest and largest id,
    and how many hold each value (UNIQUE)."""

    events: int
    total: Decimal
    min_id: str
    max_id: str
    values: dict[str, int]

    @classmethod
    def of(cls, event_id: str, amount: Decimal, value: str | None) -> DayTotal:
        """The totals of one contributing event."""
        return cls(1, amount, event_id, event_id, {} if value is None else {value: 1})

    def add(self, event_id: str, amount: Decimal, value: str | None) -> None:
        """One more contributing event."""
        self.events += 1
        self.total = EXACT.add(self.total, amount)
        self.min_id, self.max_id = min(self.min_id, event_id), max(self.max_id, event_id)
        if value is not None:
            self.values[value] = self.values.get(value, 0) + 1


def _day(row: Mapping[str, Any]) -> DayTotal:
    """A place's stored totals (its values are kept apart)."""
    return DayTotal(row["events"], Decimal(row["total"]), row["min_id"], row["max_id"], {})


def _row(day: DayTotal) -> dict[str, Any]:
    """The stored columns of a place's totals, the sum as exact text."""
    bounds = {"min_id": day.min_id, "max_id": day.max_id}
    return {"events": day.events, "total": str(day.total)} | bounds


def day_of(instant: datetime) -> int:
    """The UTC day (days since the epoch) of an instant."""
    return micros(instant) // DAY_US


def whole_days(start_us: int, end_us: int) -> tuple[int, int]:
    """The whole UTC days [first, last) inside [start, end) (microseconds since the epoch);
    first >= last when there are none."""
    return -(-start_us // DAY_US), end_us // DAY_US


def add(
    transaction: Transaction, place: Place, event_id: str, amount: Decimal, value: str | None
) -> None:
    """One more contributing event (with a SUM's amount, a UNIQUE's value)."""
    key = place.key()
    row = transaction.first(READ_DAY, key)
    if row is None:
        transaction.run(NEW_DAY, key | _row(DayTotal.of(event_id, amount, None)))
    else:
        day = _day(row)
        day.add(event_id, amount, None)
        transaction.run(SET_DAY, key | _row(day))
    if value is not None and transaction.run(VALUE_UP, key | {"value": value}).rowcount == 0:
        transaction.run(NEW_VALUE, key | {"value": value, "events": 1})


def remove(
    transaction: Transaction, place: Place, event_id: str, amount: Decimal, value: str | None
) -> bool:
    """One contributing event fewer; True when it was the place's smallest or largest id, so
    that the bounds must be set again from the events left (set_bounds)."""
    key = place.key()
    if value is not None and transaction.run(FORGET_VALUE, key | {"value": value}).rowcount == 0:
        transaction.run(VALUE_DOWN, key | {"value": value})
    row = transaction.first(READ_DAY, key)
    assert row is not None  # every effective contributing event was counted
    if row["events"] == 1:
        transaction.run(FORGET_DAY, key)
        return False
    day = _day(row)
    day.events, day.total = day.events - 1, EXACT.subtract(day.total, amount)
    transaction.run(SET_DAY, key | _row(day))
    return event_id in (day.min_id, day.max_id)


def set_bounds(transaction: Transaction, place: Place, low: str, high: str) -> None:
    """The smallest and largest contributing id of a place, found again."""
    transaction.run(SET_BOUNDS, place.key() | {"min_id": low, "max_id": high})


def forget(transaction: Transaction, account_id: str, metric_id: str) -> None:
    """Every total of one metric."""
    for rows in METRIC_ROWS:
        transaction.run(rows, {"account_id": account_id, "metric_id": metric_id})


def insert(transaction: Transaction, totals: Mapping[Place, DayTotal]) -> None:
    """Totals added up elsewhere (a metric's totals built again), stored at once."""
    day_rows = [place.key() | _row(t) for place, t in totals.items()]
    value_rows = [
        place.key() | {"value": value, "events": n}
        for place, t in totals.items()
        for value, n in t.values.items()
    ]
    if day_rows:
        transaction.run_many(NEW_DAY, day_rows)
    if value_rows:
        transaction.run_many(NEW_VALUE, value_rows)


def over_days(
    transaction: Transaction,
    account_id: str,
    metric_id: str,
    aliases: Collection[str],
    span: tuple[int, int],
) -> Iterable[tuple[int, Decimal, str, str]]:
    """Each day's events, total, smallest and largest id, for the aliases over [first, last)."""
    query = select(days.c.events, days.c.total, days.c.min_id, days.c.max_id).where(
        *_over(days, account_id, metric_id, aliases, span)
    )
    for row in transaction.rows(query):
        yield row["events"], Decimal(row["total"]), row["min_id"], row["max_id"]


def distinct_values(
    transaction: Transaction,
    account_id: str,
    metric_id: str,
    aliases: Collection[str],
    span: tuple[int, int],
    among: Collection[str],
) -> tuple[int, set[str]]:
    """How many distinct values the aliases' contributing events hold over days [first,
    last), counted by the database; and which of `among` (a few) are some of them."""
    where = _over(values, account_id, metric_id, aliases, span)
    count = select(func.count(values.c.value.distinct())).where(*where)
    known = select(values.c.value).distinct().where(*where, values.c.value.in_(sorted(among)))
    return int(transaction.scalar(count)), set(transaction.scalars(known)) if among else set()


def values_over_days(
    transaction: Transaction,
    account_id: str,
    metric_id: str,
    aliases: Collection[str],
    span: tuple[int, int],
) -> set[str]:
    """The distinct values held by the aliases' contributing events over days [first, last)."""
    query = select(values.c.value).distinct()
    chosen = query.where(*_over(values, account_id, metric_id, aliases, span))
    return set(transaction.scalars(chosen))


def _over(
    table: Any, account_id: str, metric_id: str, aliases: Collection[str], span: tuple[int, int]
) -> list[Any]:
    return [
        table.c.account_id == account_id,
        table.c.metric_id == metric_id,
        table.c.customer_alias.in_(sorted(aliases)),
        table.c.day >= span[0],
        table.c.day < span[1],
    ]
