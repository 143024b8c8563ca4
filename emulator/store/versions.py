"""Event versions, seat or usage: each stored by id, one effective per customerEventId.
Storage only: which version counts is decided in emulator.rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Insert, Table, bindparam, literal_column, select, update

from emulator.store.database import Transaction
from emulator.store.rows import RowMap
from emulator.store.statements import Prepared

E = TypeVar("E")
_BATCH = 5_000  # rows built and inserted at once by an import
# A literal, not a bound value: SQLite uses a partial index only when the query's WHERE
# spells out the index's own condition (effective = 1).
ONE: ColumnElement[int] = literal_column("1")


class Versions(Generic[E]):
    """The statements of one events table, compiled once."""

    def __init__(self, table: Table, rows: RowMap[E]) -> None:
        self.rows = rows
        self.table = table
        chosen = select(*rows.columns)
        in_account = table.c.account_id == bindparam("account_id")
        by_key = table.c.customer_event_id == bindparam("customer_event_id")
        self._version = Prepared(chosen.where(in_account, table.c.id == bindparam("id")))
        self._effective = Prepared(chosen.where(in_account, by_key, table.c.effective == ONE))
        self._insert = Prepared(table.insert())
        self._insert_first = Prepared(lambda dialect: _unless_effective(table, dialect))
        retire = update(table).where(in_account, table.c.id == bindparam("id"))
        self._retire = Prepared(retire.values(effective=0))

    def version(self, transaction: Transaction, account_id: str, event_id: str) -> E | None:
        """One stored version by id."""
        row = transaction.first(self._version, {"account_id": account_id, "id": event_id})
        return None if row is None else self.rows.load(row)

    def effective(self, transaction: Transaction, account_id: str, key: str) -> E | None:
        """The effective version of one customerEventId."""
        found = {"account_id": account_id, "customer_event_id": key}
        row = transaction.first(self._effective, found)
        return None if row is None else self.rows.load(row)

    def insert_effective(self, transaction: Transaction, event: E) -> bool:
        """Store a new effective version; False, storing nothing, when its customerEventId
        already has one."""
        values = self.rows.values(event)
        values["effective"] = 1
        return bool(transaction.run(self._insert_first, values).rowcount == 1)

    def retire(self, transaction: Transaction, account_id: str, event_id: str) -> None:
        """A superseded version stops counting; it stays stored."""
        transaction.run(self._retire, {"account_id": account_id, "id": event_id})

    def insert_versions(
        self, transaction: Transaction, versions: Sequence[E], effective_ids: set[str]
    ) -> None:
        """Store versions as they are, marking the effective ones."""
        # In batches: the rows of a whole import at once would cost more than its events.
        for start in range(0, len(versions), _BATCH):
            batch = versions[start : start + _BATCH]
            values = [self.rows.values(e) for e in batch]
            rows = [row | {"effective": int(row["id"] in effective_ids)} for row in values]
            transaction.run_many(self._insert, rows)

    def all_versions(self, transaction: Transaction, account_id: str) -> list[E]:
        """Every version of the account, in id order."""
        query = select(*self.rows.columns).where(self.table.c.account_id == account_id)
        return [self.rows.load(row) for row in transaction.rows(query.order_by(self.table.c.id))]


def _unless_effective(table: Table, dialect: str) -> Insert:
    """An INSERT of an effective version that does nothing where the customerEventId has one
    (the unique partial index says so): the upsert each database spells its own way."""
    target = [table.c.account_id, table.c.customer_event_id]
    where = table.c.effective == ONE
    # Imported here: loading the PostgreSQL dialect costs every SQLite start-up ~20 ms.
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).on_conflict_do_nothing(
            index_elements=target, index_where=where
        )
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table).on_conflict_do_nothing(index_elements=target, index_where=where)
