"""Domain objects to rows and back, by column name: a new column is one edit in tables.py.

A column takes the value of the dataclass field of the same name; `instant` columns hold
microseconds since the epoch. A customer's nested fields travel as JSON in `details`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, fields
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Table

from emulator.domain.contacts import Contact
from emulator.domain.customer_query import folded_emails
from emulator.domain.customers import Address, Customer, CustomerAlias, IntegrationId
from emulator.domain.seat_event_query import EPOCH, micros
from emulator.domain.seat_events import SeatEvent
from emulator.domain.seat_metrics import SeatMetric
from emulator.domain.usage_events import UsageEvent
from emulator.domain.usage_metrics import UsageMetric
from emulator.store import tables
from emulator.store.statements import Row

T = TypeVar("T")


def instant(value: int | None) -> datetime | None:
    """A stored instant, or None."""
    return None if value is None else EPOCH + timedelta(0, 0, value)  # days, seconds, micros


def stored_instant(value: datetime | None) -> int | None:
    """An instant as stored, or None."""
    return None if value is None else micros(value)


class RowMap(Generic[T]):
    """Maps one dataclass to the columns of one table that share its field names, listed in
    the order of its fields."""

    def __init__(self, kind: Callable[..., T], table: Table) -> None:
        self.kind = kind
        self.table = table
        names = [field.name for field in fields(kind)]  # type: ignore[arg-type]
        self.columns = [table.c[name] for name in names if name in table.c]
        self._names = tuple(column.name for column in self.columns)
        self.instants = self._marked("instant")
        self.json = self._marked("json")
        self.booleans = self._marked("boolean")
        # What load() does to each converted column, worked out once; the rest are as read.
        loaders: dict[str, Callable[[Any], Any]] = {
            **dict.fromkeys(self.instants, instant),
            **dict.fromkeys(self.json, _json_value),
            **dict.fromkeys(self.booleans, _boolean),
        }
        self._plain = tuple(c.name for c in self.columns if c.name not in loaders)
        self._loaders = tuple(loaders.items())
        self._converted = tuple(
            (index, loaders[column.name])
            for index, column in enumerate(self.columns)
            if column.name in loaders
        )

    def _marked(self, mark: str) -> set[str]:
        return {column.name for column in self.columns if column.info.get(mark)}

    def values(self, item: T) -> dict[str, Any]:
        """The row of `item`, by column name."""
        row = {name: getattr(item, name) for name in self._names}
        for name in self.instants:
            row[name] = stored_instant(row[name])
        for name in self.json:
            row[name] = None if row[name] is None else _json_text(row[name])
        for name in self.booleans:
            row[name] = None if row[name] is None else int(row[name])
        return row

    def load(self, row: Row) -> T:
        """The item a row holds."""
        values = {name: row[name] for name in self._plain}
        for name, loader in self._loaders:
            values[name] = loader(row[name])
        return self.kind(**values)

    def load_values(self, row: Sequence[Any]) -> T:
        """The item a row of `columns`, in their order, holds; every field has its column.
        Cheaper than load() where many rows are read."""
        values = list(row)
        for index, loader in self._converted:
            values[index] = loader(values[index])
        return self.kind(*values)


def _json_text(value: Any) -> str:
    """A JSON value as stored: compact, keys in the order given."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _json_value(text: str | None) -> Any:
    """A stored JSON value, or None."""
    return None if text is None else json.loads(text)


def _boolean(value: int | None) -> bool | None:
    """A stored boolean, or None."""
    return None if value is None else bool(value)


EVENTS: RowMap[SeatEvent] = RowMap(SeatEvent, tables.seat_events)
USAGE_EVENTS: RowMap[UsageEvent] = RowMap(UsageEvent, tables.usage_events)
USAGE_METRICS: RowMap[UsageMetric] = RowMap(UsageMetric, tables.usage_metrics)
METRICS: RowMap[SeatMetric] = RowMap(SeatMetric, tables.seat_metrics)
ALIASES: RowMap[CustomerAlias] = RowMap(CustomerAlias, tables.customer_aliases)
CUSTOMER_COLUMNS = RowMap(Customer, tables.customers)


def customer_values(customer: Customer) -> dict[str, Any]:
    """The row of a customer: its own columns, its nested fields as JSON, its folded emails."""
    return CUSTOMER_COLUMNS.values(customer) | {
        "emails": folded_emails(customer),
        "folded_name": customer.legal_name.casefold(),
        "details": json.dumps(_details(customer), separators=(",", ":")),
    }


def customer_of(row: Row) -> Customer:
    """The customer a row holds."""
    columns = _columns(row)
    nested = json.loads(row["details"])
    return Customer(
        **columns,
        address=Address(**nested["address"]),
        contacts=tuple(Contact(**_instants(c, _CONTACT_INSTANTS)) for c in nested["contacts"]),
        tax_status=nested["tax_status"],
        status=nested["status"],
        url=nested["url"],
        integration_ids=tuple(
            IntegrationId(**_instants(i, ("last_synced",))) for i in nested["integration_ids"]
        ),
        custom_properties=nested["custom_properties"],
    )


_CONTACT_INSTANTS = ("created_at", "updated_at", "archived_at")


def _columns(row: Row) -> dict[str, Any]:
    """The customer fields that have a column of their own."""
    columns = {column.name: row[column.name] for column in CUSTOMER_COLUMNS.columns}
    return columns | {name: instant(columns[name]) for name in CUSTOMER_COLUMNS.instants}


def _details(customer: Customer) -> dict[str, Any]:
    """The nested fields of a customer; instants as microseconds."""
    return {
        "address": asdict(customer.address),
        "contacts": [_stored(asdict(c), _CONTACT_INSTANTS) for c in customer.contacts],
        "tax_status": customer.tax_status,
        "status": customer.status,
        "url": customer.url,
        "integration_ids": [_stored(asdict(i), ("last_synced",)) for i in customer.integration_ids],
        "custom_properties": dict(customer.custom_properties),
    }


def _stored(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return values | {name: stored_instant(values[name]) for name in names}


def _instants(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return values | {name: instant(values[name]) for name in names}
