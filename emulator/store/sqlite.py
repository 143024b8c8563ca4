"""The durable store: one SQLite file, shared by threads and worker processes (BEHAVIOUR.md §9).

Every write is one `BEGIN IMMEDIATE` transaction, committed (WAL, `synchronous=FULL`) before
the method returns, so an acknowledged event survives a kill -9 or a power loss. Supersession
reads the effective version and writes the new one inside that transaction, so concurrent
versions of one customerEventId are serialised across threads and processes alike.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from emulator.domain.customer_query import (
    AliasQuery,
    CustomerFilter,
    CustomerQuery,
    CustomerSortBy,
    folded_emails,
    name_contains,
)
from emulator.domain.customers import (
    Address,
    AliasDirectory,
    AliasDraft,
    AliasUpdate,
    Contact,
    Customer,
    CustomerAlias,
    CustomerDraft,
    CustomerRef,
    CustomerRuleError,
    IntegrationId,
    alias_taken,
    archived_customer,
    check_alias_values,
    check_parent,
    implicit_customer_id,
    new_alias,
    new_customer,
    updated_alias,
    updated_customer,
)
from emulator.domain.idempotency import RETENTION, IdempotencyKey, still_held
from emulator.domain.pages import InvalidCursorError, Page, PageRequest
from emulator.domain.seat_event_query import (
    EPOCH,
    SeatEventFilter,
    SeatEventQuery,
    SortBy,
    customer_match,
    micros,
)
from emulator.domain.seat_events import (
    VOID_ALIAS,
    Minted,
    SeatEvent,
    SeatEventDraft,
    supersede,
)
from emulator.domain.seat_metrics import (
    DuplicateSeatTypeError,
    SeatMetric,
    SeatMetricDraft,
    SeatMetricUpdate,
    new_metric,
    updated_metric,
)
from emulator.domain.state import AccountState
from emulator.store.protocol import Mint

T = TypeVar("T")

BUSY_TIMEOUT_SECONDS = 10.0  # how long a writer waits for another process's transaction
MAX_IDLE_CONNECTIONS = 16

# https://www.sqlite.org/fileformat.html#the_database_header
SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
USER_VERSION_AT = 60  # big-endian 4 bytes: PRAGMA user_version

# Version 1. Instants are integer microseconds since the epoch (UTC); `effective` marks, per
# account and customerEventId, the one version that counts. Lists by createdAt read the primary
# key (ids sort by creation); by eventTimestamp and balances, partial indexes over effective
# versions only. seat_series counts the effective versions of each (alias, seat type): balances
# visit its rows.
SEAT_SCHEMA = """
CREATE TABLE seat_events (
    account_id        TEXT    NOT NULL,
    id                TEXT    NOT NULL,
    customer_event_id TEXT    NOT NULL,
    customer_alias    TEXT    NOT NULL,
    seat_type         TEXT    NOT NULL,
    event_timestamp   TEXT    NOT NULL,
    event_time        INTEGER NOT NULL,
    total             INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    effective         INTEGER NOT NULL CHECK (effective IN (0, 1)),
    PRIMARY KEY (account_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX seat_events_effective
    ON seat_events (account_id, customer_event_id) WHERE effective = 1;
CREATE INDEX seat_events_by_time ON seat_events (account_id, event_time, id) WHERE effective = 1;
CREATE INDEX seat_events_by_series
    ON seat_events (account_id, customer_alias, seat_type, event_time, id) WHERE effective = 1;
CREATE TABLE seat_series (
    account_id     TEXT    NOT NULL,
    customer_alias TEXT    NOT NULL,
    seat_type      TEXT    NOT NULL,
    events         INTEGER NOT NULL CHECK (events > 0),
    PRIMARY KEY (account_id, customer_alias, seat_type)
) WITHOUT ROWID;
CREATE TABLE seat_metrics (
    account_id  TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    seat_type   TEXT    NOT NULL,
    label       TEXT    NOT NULL,
    description TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    created_by  TEXT,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, seat_type)
) WITHOUT ROWID;
"""

# Version 2: customers and aliases. A customer's nested fields are JSON in `details`; what lists
# filter and sort on has its own column (`emails`: folded_emails(), one per line). An alias is
# live while neither deleted_at nor archived_at is set; a value is unique among live aliases.
# idempotency_keys keeps, per Idempotency-Key, the alias its first request created.
CUSTOMER_SCHEMA = """
CREATE TABLE customers (
    account_id  TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    legal_name  TEXT    NOT NULL,
    label       TEXT,
    emails      TEXT    NOT NULL,
    parent_id   TEXT,
    created_at  INTEGER NOT NULL,
    archived_at INTEGER,
    details     TEXT    NOT NULL,
    PRIMARY KEY (account_id, id)
) WITHOUT ROWID;
CREATE INDEX customers_by_name ON customers (account_id, legal_name, id);
CREATE INDEX customers_by_parent
    ON customers (account_id, parent_id, id) WHERE parent_id IS NOT NULL;
CREATE TABLE customer_aliases (
    account_id  TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    customer_id TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    label       TEXT,
    created_at  INTEGER NOT NULL,
    deleted_at  INTEGER,
    archived_at INTEGER,
    PRIMARY KEY (account_id, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX customer_aliases_live
    ON customer_aliases (account_id, value) WHERE deleted_at IS NULL AND archived_at IS NULL;
CREATE INDEX customer_aliases_of_customer
    ON customer_aliases (account_id, customer_id, id)
    WHERE deleted_at IS NULL AND archived_at IS NULL;
CREATE TABLE idempotency_keys (
    account_id  TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    alias_id    TEXT    NOT NULL,
    customer_id TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    label       TEXT,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
) WITHOUT ROWID;
"""

# PRAGMA user_version: MIGRATIONS[n] takes a file from version n to n + 1. A new file (version 0)
# runs them all, so the path from every older version is the one each new file takes.
MIGRATIONS = (SEAT_SCHEMA, CUSTOMER_SCHEMA)
SCHEMA_VERSION = len(MIGRATIONS)

EVENT_COLUMNS = (
    "id, account_id, customer_event_id, customer_alias, seat_type,"
    " event_timestamp, event_time, total, created_at"
)
METRIC_COLUMNS = "id, account_id, seat_type, label, description, created_at, updated_at, created_by"
CUSTOMER_COLUMNS = "id, account_id, legal_name, label, parent_id, created_at, archived_at, details"
ALIAS_COLUMNS = "id, account_id, customer_id, value, label, created_at, deleted_at, archived_at"
LIVE = "deleted_at IS NULL AND archived_at IS NULL"
ACCOUNT_TABLES = (
    "seat_events",
    "seat_series",
    "seat_metrics",
    "customers",
    "customer_aliases",
    "idempotency_keys",
)

# Per series of the account (one row each in seat_series), one index seek for the latest
# effective event at or before :at; ties on the instant go to the greater id (the later received).
IN_FORCE = f"""
SELECT {", ".join(f"e.{column.strip()}" for column in EVENT_COLUMNS.split(","))}
FROM seat_series AS s
JOIN seat_events AS e ON e.account_id = s.account_id AND e.id = (
    SELECT i.id FROM seat_events AS i
    WHERE i.account_id = s.account_id AND i.customer_alias = s.customer_alias
      AND i.seat_type = s.seat_type AND i.effective = 1 AND i.event_time <= :at
    ORDER BY i.event_time DESC, i.id DESC
    LIMIT 1)
WHERE s.account_id = :account AND s.customer_alias != :void
ORDER BY s.customer_alias, s.seat_type
"""


class StoreError(Exception):
    """The SQLite file cannot be used: missing directory, not writable, not ours, too new."""


def _instant(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def _event(row: Sequence[Any]) -> SeatEvent:
    id_, account, key, alias, seat_type, timestamp, time, total, created = row
    return SeatEvent(
        id_, account, key, alias, seat_type, timestamp, _instant(time), total, _instant(created)
    )


def _metric(row: Sequence[Any]) -> SeatMetric:
    id_, account, seat_type, label, description, created, updated, created_by = row
    return SeatMetric(
        id_,
        account,
        seat_type,
        label,
        description,
        _instant(created),
        _instant(updated),
        created_by,
    )


class SQLiteStore:
    """Every account's data in one SQLite file (WAL), safe under threads and processes.

    Connections come from a small pool, each used by one thread at a time, so readers run in
    parallel; writers of this object queue on a lock, then on SQLite's write lock (other
    processes), so threads never spin in SQLite's busy handler against each other.
    """

    kind = "sqlite"

    def __init__(
        self, path: str | Path, *, observe_id: Callable[[str], None] | None = None
    ) -> None:
        """Open (or create) the store at `path`.

        `observe_id`, when given (an IdGenerator's `observe`), is shown the account's greatest id
        inside each write transaction before `mint` is called: ids then keep increasing with the
        order of writes even when several processes, each with its own generator, share the file.
        """
        self.path = Path(path).absolute()
        self._observe_id = observe_id
        _check_location(self.path)
        if self.path.is_file() and self.path.stat().st_size > 0:
            _check_existing(self.path)  # read-only: a file we refuse is never touched
        self._write_lock = threading.Lock()
        self._pool = _Pool(self._connect)
        try:
            with self._pool.connection() as connection:
                self._create_schema(connection)
        except BaseException:
            self._pool.close()
            raise

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection; the store cannot be used afterwards."""
        self._pool.close()

    def save_seat_event(
        self, account_id: str, draft: SeatEventDraft, mint: Mint
    ) -> tuple[SeatEvent, bool]:
        """Store `draft` under supersession; the effective event, and whether it is new."""
        with self._write() as connection:
            key = draft.customer_event_id
            current = _effective(connection, account_id, key) if key is not None else None
            minting = self._observed(mint, connection, "seat_events", account_id)
            created = supersede(current, draft, account_id, minting)
            if created is None:
                assert current is not None  # supersede() only declines a retry of `current`
                return current, False
            if current is not None:
                _retire(connection, current)
            _insert_event(connection, created)
            return created, True

    def seat_event(self, account_id: str, event_id: str) -> SeatEvent | None:
        """One stored version by id, superseded or not; None outside this account."""
        sql = f"SELECT {EVENT_COLUMNS} FROM seat_events WHERE account_id = ? AND id = ?"
        with self._pool.connection() as connection:
            row = connection.execute(sql, (account_id, event_id)).fetchone()
        return None if row is None else _event(row)

    def current_seat_event(self, account_id: str, customer_event_id: str) -> SeatEvent | None:
        """The effective version of one customerEventId, if any."""
        with self._pool.connection() as connection:
            return _effective(connection, account_id, customer_event_id)

    def list_seat_events(self, account_id: str, query: SeatEventQuery) -> Page[SeatEvent]:
        """One page of the account's effective events; customerIds resolved to customers."""
        key = ("id",) if query.sort_by is SortBy.CREATED_AT else ("event_time", "id")
        with self._read() as connection:
            wanted = query.filter
            if wanted.customer_ids is not None:
                found = _refs(connection, account_id, wanted.customer_ids)
                wanted = replace(wanted, customers=customer_match(wanted.customer_ids, found))
            where, params = _event_filter(account_id, wanted)
            listing = _Listing(f"SELECT {EVENT_COLUMNS} FROM seat_events", where, params, key)
            total = _effective_count(connection, account_id) if wanted.is_empty else None
            return listing.page(connection, query.page, _event, total)

    def seat_events_in_force(self, account_id: str, at: datetime) -> dict[str, list[SeatEvent]]:
        """Per alias (VOID excluded), the event in force at `at` for each seat type."""
        params = {"account": account_id, "at": micros(at), "void": VOID_ALIAS}
        with self._pool.connection() as connection:
            rows = connection.execute(IN_FORCE, params).fetchall()
        found: dict[str, list[SeatEvent]] = {}
        for event in map(_event, rows):
            found.setdefault(event.customer_alias, []).append(event)
        return found

    def count_seat_events(self, account_id: str | None = None) -> int:
        """How many versions are stored, in one account or in all."""
        return self._count("seat_events", account_id)

    def create_seat_metric(self, account_id: str, draft: SeatMetricDraft, mint: Mint) -> SeatMetric:
        """Store a new metric, or DuplicateSeatTypeError."""
        with self._write() as connection:
            taken = connection.execute(
                "SELECT 1 FROM seat_metrics WHERE account_id = ? AND seat_type = ?",
                (account_id, draft.seat_type),
            ).fetchone()
            if taken:
                message = f"A seat metric for {draft.seat_type!r} already exists"
                raise DuplicateSeatTypeError(message)
            minted = self._observed(mint, connection, "seat_metrics", account_id)()
            metric = new_metric(draft, account_id, minted.id, minted.created_at)
            connection.execute(
                f"INSERT INTO seat_metrics ({METRIC_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                _metric_row(metric),
            )
            return metric

    def seat_metric(self, account_id: str, metric_id: str) -> SeatMetric | None:
        """One metric by id."""
        with self._pool.connection() as connection:
            return _find_metric(connection, account_id, metric_id)

    def update_seat_metric(
        self, account_id: str, metric_id: str, update: SeatMetricUpdate, now: datetime
    ) -> SeatMetric | None:
        """Apply an update (ImmutableSeatTypeError if it changes the seat type); None if unknown."""
        with self._write() as connection:
            metric = _find_metric(connection, account_id, metric_id)
            if metric is None:
                return None
            updated = updated_metric(metric, update, now)
            connection.execute(
                "UPDATE seat_metrics SET label = ?, description = ?, updated_at = ?"
                " WHERE account_id = ? AND id = ?",
                (updated.label, updated.description, micros(now), account_id, metric_id),
            )
            return updated

    def delete_seat_metric(self, account_id: str, metric_id: str) -> SeatMetric | None:
        """Remove a metric and return it; None if unknown."""
        with self._write() as connection:
            metric = _find_metric(connection, account_id, metric_id)
            if metric is not None:
                connection.execute(
                    "DELETE FROM seat_metrics WHERE account_id = ? AND id = ?",
                    (account_id, metric_id),
                )
            return metric

    def list_seat_metrics(self, account_id: str, page: PageRequest[str]) -> Page[SeatMetric]:
        """One page of the account's metrics, by creation."""
        select = f"SELECT {METRIC_COLUMNS} FROM seat_metrics"
        listing = _Listing(select, "account_id = ?", (account_id,), ("id",))
        with self._read() as connection:
            return listing.page(connection, page, _metric)

    def count_seat_metrics(self, account_id: str | None = None) -> int:
        """How many metrics exist, in one account or in all."""
        return self._count("seat_metrics", account_id)

    def _count(self, table: str, account_id: str | None) -> int:
        """Rows of one of this module's tables, in one account or in all."""
        where, params = ("WHERE account_id = ?", (account_id,)) if account_id else ("", ())
        with self._pool.connection() as connection:
            row = connection.execute(f"SELECT count(*) FROM {table} {where}", params).fetchone()
        return int(row[0])

    def create_customer(self, account_id: str, draft: CustomerDraft, mint: Mint) -> Customer:
        """Store a new customer and its aliases at once, or CustomerRuleError (nothing stored)."""
        with self._write() as connection:
            values = _new_alias_values(connection, account_id, draft.aliases, None)
            if draft.parent_id is not None:
                check_parent(None, draft.parent_id, _lookup(connection, account_id))
            minting = self._observed(mint, connection, CUSTOMER_TABLES, account_id)
            customer = new_customer(draft, account_id, minting)
            aliases = [new_alias(customer, v, None, minting(), "customerAliases") for v in values]
            _put_customer(connection, customer)
            _insert_aliases(connection, aliases)
            return customer

    def customer(self, account_id: str, customer_id: str) -> Customer | None:
        """One customer by id, archived or not."""
        with self._pool.connection() as connection:
            return _find_customer(connection, account_id, customer_id)

    def update_customer(
        self, account_id: str, customer_id: str, draft: CustomerDraft, now: datetime, mint: Mint
    ) -> Customer | None:
        """Apply PUT (and add the aliases it names), or CustomerRuleError; None if unknown."""
        with self._write() as connection:
            current = _find_customer(connection, account_id, customer_id)
            if current is None:
                return None
            values = _new_alias_values(connection, account_id, draft.aliases, customer_id)
            if draft.parent_id is not None:
                check_parent(customer_id, draft.parent_id, _lookup(connection, account_id))
            minting = self._observed(mint, connection, CUSTOMER_TABLES, account_id)
            customer = updated_customer(current, draft, now, minting)
            aliases = [new_alias(customer, v, None, minting(), "customerAliases") for v in values]
            _put_customer(connection, customer)
            _insert_aliases(connection, aliases)
            return customer

    def archive_customer(self, account_id: str, customer_id: str, now: datetime) -> Customer | None:
        """Archive a customer and its live aliases; None if unknown."""
        with self._write() as connection:
            current = _find_customer(connection, account_id, customer_id)
            if current is None or current.is_archived:
                return current
            customer = archived_customer(current, now)
            _put_customer(connection, customer)
            connection.execute(
                f"UPDATE customer_aliases SET archived_at = ?"
                f" WHERE account_id = ? AND customer_id = ? AND {LIVE}",
                (micros(now), account_id, customer_id),
            )
            return customer

    def customer_children(self, account_id: str, parent_id: str) -> list[Customer]:
        """The customers whose parent is `parent_id`, in creation order."""
        sql = (
            f"SELECT {CUSTOMER_COLUMNS} FROM customers"
            " WHERE account_id = ? AND parent_id = ? ORDER BY id"
        )
        with self._pool.connection() as connection:
            return [_customer(row) for row in connection.execute(sql, (account_id, parent_id))]

    def customer_by_alias(self, account_id: str, alias: str) -> Customer | None:
        """The customer a live alias (else a customer id) stands for."""
        with self._read() as connection:
            owner = _owner_id(connection, account_id, alias)
            return None if owner is None else _find_customer(connection, account_id, owner)

    def list_customers(self, account_id: str, query: CustomerQuery) -> Page[Customer]:
        """One page of the account's customers."""
        key = ("id",) if query.sort_by is CustomerSortBy.CREATED_AT else ("legal_name", "id")
        with self._read() as connection:
            where, params = _customer_filter(connection, account_id, query.filter)
            listing = _Listing(f"SELECT {CUSTOMER_COLUMNS} FROM customers", where, params, key)
            return listing.page(connection, query.page, _customer)

    def create_customer_alias(
        self,
        account_id: str,
        draft: AliasDraft,
        mint: Mint,
        idempotency: IdempotencyKey | None = None,
    ) -> CustomerAlias:
        """Store a live alias, or CustomerRuleError; a held key answers its first alias again."""
        with self._write() as connection:
            if idempotency is not None:
                held = _held_alias(connection, account_id, idempotency)
                if held is not None:
                    return held
            check_alias_values([draft.value], "value")
            customer = _find_customer(connection, account_id, draft.customer_id)
            if customer is None:
                raise CustomerRuleError("customerId", f"No customer with id {draft.customer_id!r}")
            if _live_alias_id(connection, account_id, draft.value) is not None:
                raise alias_taken(draft.value, "value")
            minted = self._observed(mint, connection, CUSTOMER_TABLES, account_id)()
            alias = new_alias(customer, draft.value, draft.label, minted, "customerId")
            _insert_aliases(connection, [alias])
            if idempotency is not None:
                _hold(connection, account_id, idempotency, alias)
            return alias

    def customer_alias(self, account_id: str, alias_id: str) -> CustomerAlias | None:
        """One live alias by id."""
        with self._pool.connection() as connection:
            return _find_live_alias(connection, account_id, alias_id)

    def update_customer_alias(
        self, account_id: str, alias_id: str, update: AliasUpdate
    ) -> CustomerAlias | None:
        """A live alias's new label; None if unknown (or no longer live)."""
        with self._write() as connection:
            alias = _find_live_alias(connection, account_id, alias_id)
            if alias is None:
                return None
            updated = updated_alias(alias, update)
            connection.execute(
                "UPDATE customer_aliases SET label = ? WHERE account_id = ? AND id = ?",
                (updated.label, account_id, alias_id),
            )
            return updated

    def delete_customer_alias(
        self, account_id: str, alias_id: str, now: datetime
    ) -> CustomerAlias | None:
        """Mark a live alias deleted and return it; None if unknown (or no longer live)."""
        with self._write() as connection:
            alias = _find_live_alias(connection, account_id, alias_id)
            if alias is None:
                return None
            connection.execute(
                "UPDATE customer_aliases SET deleted_at = ? WHERE account_id = ? AND id = ?",
                (micros(now), account_id, alias_id),
            )
            return replace(alias, deleted_at=now)

    def aliases_of_customer(self, account_id: str, customer_id: str) -> list[CustomerAlias]:
        """A customer's live aliases, oldest first."""
        sql = (
            f"SELECT {ALIAS_COLUMNS} FROM customer_aliases"
            f" WHERE account_id = ? AND customer_id = ? AND {LIVE} ORDER BY id"
        )
        with self._pool.connection() as connection:
            return [_alias(row) for row in connection.execute(sql, (account_id, customer_id))]

    def list_customer_aliases(self, account_id: str, query: AliasQuery) -> Page[CustomerAlias]:
        """One page of the account's live aliases."""
        where, params = f"account_id = ? AND {LIVE}", [account_id]
        if query.value is not None:
            where += " AND value = ?"
            params.append(query.value)
        listing = _Listing(f"SELECT {ALIAS_COLUMNS} FROM customer_aliases", where, params, ("id",))
        with self._read() as connection:
            return listing.page(connection, query.page, _alias)

    def alias_directory(self, account_id: str, aliases: Collection[str]) -> AliasDirectory:
        """The real customer each of `aliases` stands for; the others are left out."""
        with self._read() as connection:
            return _directory(connection, account_id, aliases)

    def account_ids(self) -> list[str]:
        """Every account that holds data, sorted."""
        with self._read() as connection:
            return _account_ids(connection)

    def export_accounts(self, account_id: str | None = None) -> list[AccountState]:
        """Every account's data (or one account's), ready to import elsewhere."""
        with self._read() as connection:
            accounts = _account_ids(connection)
            wanted = [account_id] if account_id else accounts
            return [_account_state(connection, key) for key in wanted if key in accounts]

    def import_accounts(self, states: list[AccountState], account_id: str | None = None) -> None:
        """Replace everything (or that one account) with `states`, replayed in id order."""
        loaded = {
            state.account_id: state
            for state in states
            if account_id is None or state.account_id == account_id
        }
        with self._write() as connection:
            _delete_accounts(connection, account_id)
            for state in loaded.values():
                _insert_account(connection, state)

    def reset(self, account_id: str | None = None) -> None:
        """Forget everything, or one account."""
        with self._write() as connection:
            _delete_accounts(connection, account_id)

    def _observed(
        self,
        mint: Mint,
        connection: sqlite3.Connection,
        tables: str | tuple[str, ...],
        account_id: str,
    ) -> Mint:
        """`mint`, first showing observe_id the account's greatest id in `tables`, so the next
        is greater."""
        observe = self._observe_id
        if observe is None:
            return mint
        names = (tables,) if isinstance(tables, str) else tables
        greatest_of = " UNION ALL ".join(
            f"SELECT max(id) AS id FROM {table} WHERE account_id = :account" for table in names
        )

        def observed() -> Minted:
            sql = f"SELECT max(id) FROM ({greatest_of})"
            (greatest,) = connection.execute(sql, {"account": account_id}).fetchone()
            if greatest is not None:
                observe(greatest)
            return mint()

        return observed

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed (and on disk) when the block ends without error."""
        with self._write_lock, self._pool.connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            finally:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: several queries over the same snapshot."""
        with self._pool.connection() as connection:
            connection.execute("BEGIN")
            try:
                yield connection
            finally:
                connection.execute("COMMIT")

    def _connect(self) -> sqlite3.Connection:
        """A new connection in WAL mode with full sync, ready for any thread of the pool."""
        try:
            connection = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_SECONDS,
                isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE for writes
                check_same_thread=False,  # the pool lends a connection to one thread at a time
            )
        except sqlite3.Error as error:
            raise StoreError(f"cannot open {self.path}: {error}") from None
        try:
            (mode,) = connection.execute("PRAGMA journal_mode = WAL").fetchone()
            if str(mode).lower() != "wal":
                raise StoreError(f"cannot use {self.path}: SQLite refused WAL mode ({mode})")
            connection.execute("PRAGMA synchronous = FULL")
            connection.create_function(
                "implicit_customer_id", 2, implicit_customer_id, deterministic=True
            )
            connection.create_function("name_contains", 2, name_contains, deterministic=True)
            connection.create_function("has_email", 2, _has_email, deterministic=True)
        except sqlite3.Error as error:
            connection.close()
            raise StoreError(f"cannot open {self.path}: {error}") from None
        except BaseException:
            connection.close()
            raise
        return connection

    def _create_schema(self, connection: sqlite3.Connection) -> None:
        """Create the tables in a new file, or bring an older file up to SCHEMA_VERSION."""
        with self._write_lock:
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    version, tables = _version_and_tables(connection)
                    _check_version(self.path, version, tables)
                    for migration in MIGRATIONS[version:]:
                        for statement in migration.split(";"):
                            if statement.strip():
                                connection.execute(statement)
                    if version < SCHEMA_VERSION:
                        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    connection.execute("COMMIT")
                finally:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
            except sqlite3.Error as error:
                raise StoreError(f"cannot open {self.path}: {error}") from None


class _Pool:
    """Connections lent to one thread at a time; a forked child never reuses its parent's."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._inherited: list[sqlite3.Connection] = []  # from a parent process: never touched
        self._pid = os.getpid()
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """An idle connection, or a new one; given back to the pool afterwards."""
        connection = self._take()
        try:
            yield connection
        finally:
            self._give_back(connection)

    def close(self) -> None:
        """Close the idle connections now, and the lent ones when they come back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _take(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise StoreError("the SQLite store is closed")
            if os.getpid() != self._pid:
                # SQLite connections must not cross fork(); keep them referenced, never used.
                self._inherited.extend(self._idle)
                self._idle, self._pid = [], os.getpid()
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def _give_back(self, connection: sqlite3.Connection) -> None:
        with self._lock:
            keep = not self._closed and len(self._idle) < MAX_IDLE_CONNECTIONS
            keep = keep and not connection.in_transaction and os.getpid() == self._pid
            if keep:
                self._idle.append(connection)
                return
        connection.close()


class _Listing:
    """A paginated read: the rows of one table matching `where`, ordered by `key` columns.

    The same slices as domain.pages.paginate, in SQL: each page is one ranged, ordered query for
    limit + 1 rows (the extra row says whether there is more), and one EXISTS for the other side.
    """

    def __init__(self, select: str, where: str, params: Sequence[Any], key: Sequence[str]) -> None:
        self.select, self.where, self.params, self.key = select, where, tuple(params), tuple(key)

    def page(
        self,
        connection: sqlite3.Connection,
        request: PageRequest[Any],
        item: Callable[[Sequence[Any]], T],
        total: int | None = None,
    ) -> Page[T]:
        """One page; `total` when the caller knows it cheaper than counting every match."""
        if total is None:
            sql = f"SELECT count(*) FROM ({self.select} WHERE {self.where})"
            total = int(connection.execute(sql, self.params).fetchone()[0])
        # "Forward" is the page's logical order: ascending keys, or descending.
        forward, backward = (">", "<") if not request.descending else ("<", ">")
        if request.before is not None:
            before = self._parts(request.before)
            rows = self._rows(connection, backward, before, not request.descending, request.limit)
            has_before = len(rows) > request.limit
            items = [item(row) for row in rows[: request.limit]][::-1]
            has_after = self._exists(connection, forward + "=", before)
            return Page(items, has_before, has_after, total)
        after = None if request.after is None else self._parts(request.after)
        rows = self._rows(connection, forward, after, request.descending, request.limit)
        has_after = len(rows) > request.limit
        has_before = after is not None and self._exists(connection, backward + "=", after)
        return Page([item(row) for row in rows[: request.limit]], has_before, has_after, total)

    def _parts(self, cursor: Any) -> tuple[Any, ...]:
        parts = cursor if isinstance(cursor, tuple) else (cursor,)
        if len(parts) != len(self.key):
            raise InvalidCursorError(f"{cursor!r} is not a cursor for this sort")
        return parts

    def _beyond(self, operator: str, cursor: tuple[Any, ...]) -> str:
        columns = self.key[0] if len(self.key) == 1 else f"({', '.join(self.key)})"
        slots = "?" if len(self.key) == 1 else f"({', '.join('?' * len(self.key))})"
        return f"{self.where} AND {columns} {operator} {slots}"

    def _rows(
        self,
        connection: sqlite3.Connection,
        operator: str,
        cursor: tuple[Any, ...] | None,
        descending: bool,
        limit: int,
    ) -> list[Any]:
        where = self.where if cursor is None else self._beyond(operator, cursor)
        direction = " DESC" if descending else " ASC"
        order = ", ".join(column + direction for column in self.key)
        sql = f"{self.select} WHERE {where} ORDER BY {order} LIMIT ?"
        return connection.execute(sql, (*self.params, *(cursor or ()), limit + 1)).fetchall()

    def _exists(
        self, connection: sqlite3.Connection, operator: str, cursor: tuple[Any, ...]
    ) -> bool:
        sql = f"SELECT EXISTS ({self.select} WHERE {self._beyond(operator, cursor)})"
        return bool(connection.execute(sql, (*self.params, *cursor)).fetchone()[0])


def _event_filter(account_id: str, wanted: SeatEventFilter) -> tuple[str, list[Any]]:
    """The WHERE clause (over effective events) and parameters of SeatEventFilter.matches."""
    clauses: list[str] = ["account_id = ?", "effective = 1"]
    params: list[Any] = [account_id]

    def one_of(column: str, values: frozenset[str]) -> str:
        params.extend(sorted(values))
        return f"{column} IN ({', '.join('?' * len(values))})"

    if wanted.customer_alias is not None:
        clauses.append("customer_alias = ?")
        params.append(wanted.customer_alias)
    if wanted.seat_types is not None:
        clauses.append(one_of("seat_type", wanted.seat_types))
    if wanted.customer_event_id is not None:
        clauses.append("customer_event_id = ?")
        params.append(wanted.customer_event_id)
    if wanted.at_or_after is not None:
        clauses.append("event_time >= ?")
        params.append(micros(wanted.at_or_after))
    if wanted.before is not None:
        clauses.append("event_time < ?")
        params.append(micros(wanted.before))
    if wanted.customer_ids is not None:
        # SeatEventFilter.matches: one of the resolved aliases, or an alias that stands for no
        # real customer and whose implicit customer is named (the domain's function).
        match = wanted.customers or customer_match(wanted.customer_ids, {})
        params.append(json.dumps(sorted(match.aliases)))
        direct = "customer_alias IN (SELECT value FROM json_each(?))"
        if match.implicit_ids:
            implicit_id = "implicit_customer_id(account_id, customer_alias)"
            implicit = one_of(implicit_id, match.implicit_ids)
            params.extend([account_id, account_id])
            unmapped = (
                "customer_alias NOT IN (SELECT value FROM customer_aliases"
                f" WHERE account_id = ? AND {LIVE})"
                " AND customer_alias NOT IN (SELECT id FROM customers WHERE account_id = ?)"
            )
            direct = f"{direct} OR ({implicit} AND {unmapped})"
        clauses.append(f"({direct})")
    return " AND ".join(clauses), params


def _effective(
    connection: sqlite3.Connection, account_id: str, customer_event_id: str
) -> SeatEvent | None:
    row = connection.execute(
        f"SELECT {EVENT_COLUMNS} FROM seat_events"
        " WHERE account_id = ? AND customer_event_id = ? AND effective = 1",
        (account_id, customer_event_id),
    ).fetchone()
    return None if row is None else _event(row)


def _effective_count(connection: sqlite3.Connection, account_id: str) -> int:
    """The account's effective events, from the per-series counts (not a scan of events)."""
    sql = "SELECT coalesce(sum(events), 0) FROM seat_series WHERE account_id = ?"
    return int(connection.execute(sql, (account_id,)).fetchone()[0])


def _retire(connection: sqlite3.Connection, event: SeatEvent) -> None:
    """A superseded version stops counting: out of its series, still retrievable by id."""
    connection.execute(
        "UPDATE seat_events SET effective = 0 WHERE account_id = ? AND id = ?",
        (event.account_id, event.id),
    )
    series = (event.account_id, event.customer_alias, event.seat_type)
    emptied = connection.execute(
        "DELETE FROM seat_series"
        " WHERE account_id = ? AND customer_alias = ? AND seat_type = ? AND events = 1",
        series,
    )
    if emptied.rowcount == 0:
        connection.execute(
            "UPDATE seat_series SET events = events - 1"
            " WHERE account_id = ? AND customer_alias = ? AND seat_type = ?",
            series,
        )


def _insert_event(connection: sqlite3.Connection, event: SeatEvent) -> None:
    """Store a new effective version, and count it in its series."""
    connection.execute(
        f"INSERT INTO seat_events ({EVENT_COLUMNS}, effective)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        _event_row(event),
    )
    series = (event.account_id, event.customer_alias, event.seat_type)
    counted = connection.execute(
        "UPDATE seat_series SET events = events + 1"
        " WHERE account_id = ? AND customer_alias = ? AND seat_type = ?",
        series,
    )
    if counted.rowcount == 0:
        connection.execute(
            "INSERT INTO seat_series (account_id, customer_alias, seat_type, events)"
            " VALUES (?, ?, ?, 1)",
            series,
        )


def _account_ids(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT DISTINCT account_id FROM seat_events"
        " UNION SELECT DISTINCT account_id FROM seat_metrics"
        " UNION SELECT DISTINCT account_id FROM customers"
        " UNION SELECT DISTINCT account_id FROM customer_aliases"
    ).fetchall()
    return sorted(account for (account,) in rows)


def _account_state(connection: sqlite3.Connection, account_id: str) -> AccountState:
    """Every version, metric, customer and alias of one account, each in id order."""
    events = connection.execute(
        f"SELECT {EVENT_COLUMNS} FROM seat_events WHERE account_id = ? ORDER BY id", (account_id,)
    )
    metrics = connection.execute(
        f"SELECT {METRIC_COLUMNS} FROM seat_metrics WHERE account_id = ? ORDER BY id",
        (account_id,),
    )
    customers = connection.execute(
        f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE account_id = ? ORDER BY id", (account_id,)
    )
    aliases = connection.execute(
        f"SELECT {ALIAS_COLUMNS} FROM customer_aliases WHERE account_id = ? ORDER BY id",
        (account_id,),
    )
    return AccountState(
        account_id,
        tuple(map(_event, events)),
        tuple(map(_metric, metrics)),
        tuple(map(_customer, customers)),
        tuple(map(_alias, aliases)),
    )


def _delete_accounts(connection: sqlite3.Connection, account_id: str | None) -> None:
    for table in ACCOUNT_TABLES:
        if account_id is None:
            connection.execute(f"DELETE FROM {table}")
        else:
            connection.execute(f"DELETE FROM {table} WHERE account_id = ?", (account_id,))


def _insert_account(connection: sqlite3.Connection, state: AccountState) -> None:
    """Load an account's versions as if received in id order: the last of each key counts."""
    account = state.account_id  # the state's account, whatever its events say
    events = sorted(
        (replace(event, account_id=account) for event in state.seat_events),
        key=lambda event: event.id,
    )
    effective = {event.customer_event_id: event.id for event in events}
    connection.executemany(
        f"INSERT INTO seat_events ({EVENT_COLUMNS}, effective)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (*_event_row(event), int(effective[event.customer_event_id] == event.id))
            for event in events
        ),
    )
    series = Counter(
        (account, event.customer_alias, event.seat_type)
        for event in events
        if effective[event.customer_event_id] == event.id
    )
    connection.executemany(
        "INSERT INTO seat_series (account_id, customer_alias, seat_type, events)"
        " VALUES (?, ?, ?, ?)",
        ((*key, count) for key, count in series.items()),
    )
    connection.executemany(
        f"INSERT INTO seat_metrics ({METRIC_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (_metric_row(replace(metric, account_id=account)) for metric in state.seat_metrics),
    )
    for customer in state.customers:
        _put_customer(connection, replace(customer, account_id=account))
    _insert_aliases(connection, [replace(a, account_id=account) for a in state.customer_aliases])


def _find_metric(
    connection: sqlite3.Connection, account_id: str, metric_id: str
) -> SeatMetric | None:
    row = connection.execute(
        f"SELECT {METRIC_COLUMNS} FROM seat_metrics WHERE account_id = ? AND id = ?",
        (account_id, metric_id),
    ).fetchone()
    return None if row is None else _metric(row)


def _event_row(event: SeatEvent) -> tuple[Any, ...]:
    return (
        event.id,
        event.account_id,
        event.customer_event_id,
        event.customer_alias,
        event.seat_type,
        event.event_timestamp,
        micros(event.event_time),
        event.total,
        micros(event.created_at),
    )


def _metric_row(metric: SeatMetric) -> tuple[Any, ...]:
    return (
        metric.id,
        metric.account_id,
        metric.seat_type,
        metric.label,
        metric.description,
        micros(metric.created_at),
        micros(metric.updated_at),
        metric.created_by,
    )


# --- Customers and aliases ----------------------------------------------------------------

CUSTOMER_TABLES = ("customers", "customer_aliases")


def _has_email(emails: str, wanted: str) -> bool:
    return wanted.casefold() in emails.split("\n")


def _at(value: int | None) -> datetime | None:
    return None if value is None else _instant(value)


def _micros(value: datetime | None) -> int | None:
    return None if value is None else micros(value)


def _details(customer: Customer) -> str:
    """The nested fields of a customer, as JSON; instants as microseconds."""
    return json.dumps(
        {
            "address": asdict(customer.address),
            "contacts": [
                asdict(c)
                | {
                    "created_at": micros(c.created_at),
                    "updated_at": micros(c.updated_at),
                    "archived_at": _micros(c.archived_at),
                }
                for c in customer.contacts
            ],
            "tax_status": customer.tax_status,
            "status": customer.status,
            "url": customer.url,
            "integration_ids": [
                asdict(i) | {"last_synced": _micros(i.last_synced)}
                for i in customer.integration_ids
            ],
            "custom_properties": dict(customer.custom_properties),
        },
        separators=(",", ":"),
    )


def _customer(row: Sequence[Any]) -> Customer:
    id_, account, legal_name, label, parent_id, created, archived, details = row
    nested = json.loads(details)
    contacts = tuple(
        Contact(
            **c
            | {
                "created_at": _instant(c["created_at"]),
                "updated_at": _instant(c["updated_at"]),
                "archived_at": _at(c["archived_at"]),
            }
        )
        for c in nested["contacts"]
    )
    integration_ids = tuple(
        IntegrationId(**i | {"last_synced": _at(i["last_synced"])})
        for i in nested["integration_ids"]
    )
    return Customer(
        id=id_,
        account_id=account,
        legal_name=legal_name,
        address=Address(**nested["address"]),
        contacts=contacts,
        tax_status=nested["tax_status"],
        status=nested["status"],
        created_at=_instant(created),
        url=nested["url"],
        label=label,
        integration_ids=integration_ids,
        parent_id=parent_id,
        custom_properties=nested["custom_properties"],
        archived_at=_at(archived),
    )


def _put_customer(connection: sqlite3.Connection, customer: Customer) -> None:
    """Insert a customer, or replace it whole."""
    connection.execute(
        f"INSERT OR REPLACE INTO customers ({CUSTOMER_COLUMNS}, emails)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            customer.id,
            customer.account_id,
            customer.legal_name,
            customer.label,
            customer.parent_id,
            micros(customer.created_at),
            _micros(customer.archived_at),
            _details(customer),
            folded_emails(customer),
        ),
    )


def _find_customer(
    connection: sqlite3.Connection, account_id: str, customer_id: str
) -> Customer | None:
    row = connection.execute(
        f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE account_id = ? AND id = ?",
        (account_id, customer_id),
    ).fetchone()
    return None if row is None else _customer(row)


def _lookup(connection: sqlite3.Connection, account_id: str) -> Callable[[str], Customer | None]:
    return lambda customer_id: _find_customer(connection, account_id, customer_id)


def _alias(row: Sequence[Any]) -> CustomerAlias:
    id_, account, customer_id, value, label, created, deleted, archived = row
    return CustomerAlias(
        id_, account, customer_id, value, _instant(created), label, _at(deleted), _at(archived)
    )


def _insert_aliases(connection: sqlite3.Connection, aliases: Iterable[CustomerAlias]) -> None:
    connection.executemany(
        f"INSERT INTO customer_aliases ({ALIAS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                a.id,
                a.account_id,
                a.customer_id,
                a.value,
                a.label,
                micros(a.created_at),
                _micros(a.deleted_at),
                _micros(a.archived_at),
            )
            for a in aliases
        ),
    )


def _find_live_alias(
    connection: sqlite3.Connection, account_id: str, alias_id: str
) -> CustomerAlias | None:
    row = connection.execute(
        f"SELECT {ALIAS_COLUMNS} FROM customer_aliases WHERE account_id = ? AND id = ? AND {LIVE}",
        (account_id, alias_id),
    ).fetchone()
    return None if row is None else _alias(row)


def _live_alias_id(connection: sqlite3.Connection, account_id: str, value: str) -> str | None:
    row = connection.execute(
        f"SELECT customer_id FROM customer_aliases WHERE account_id = ? AND value = ? AND {LIVE}",
        (account_id, value),
    ).fetchone()
    return None if row is None else str(row[0])


def _owner_id(connection: sqlite3.Connection, account_id: str, alias: str) -> str | None:
    """The customer a live alias, else a customer id, stands for."""
    owner = _live_alias_id(connection, account_id, alias)
    if owner is not None:
        return owner
    row = connection.execute(
        "SELECT id FROM customers WHERE account_id = ? AND id = ?", (account_id, alias)
    ).fetchone()
    return None if row is None else str(row[0])


def _new_alias_values(
    connection: sqlite3.Connection,
    account_id: str,
    values: Sequence[str],
    customer_id: str | None,
) -> list[str]:
    """The values that are not yet the customer's; CustomerRuleError if one is another's."""
    check_alias_values(values, "customerAliases")
    new: list[str] = []
    for value in values:
        owner = _live_alias_id(connection, account_id, value)
        if owner is None:
            new.append(value)
        elif owner != customer_id:
            raise alias_taken(value, "customerAliases")
    return new


def _customer_filter(
    connection: sqlite3.Connection, account_id: str, wanted: CustomerFilter
) -> tuple[str, list[Any]]:
    """The WHERE clause and parameters of CustomerFilter.matches."""
    clauses, params = ["account_id = ?"], [account_id]
    if not wanted.include_archived:
        clauses.append("archived_at IS NULL")
    if wanted.legal_name is not None:
        clauses.append("name_contains(legal_name, ?)")
        params.append(wanted.legal_name)
    if wanted.email is not None:
        clauses.append("has_email(emails, ?)")
        params.append(wanted.email)
    if wanted.label is not None:
        clauses.append("label = ?")
        params.append(wanted.label)
    if wanted.alias is not None:
        owner = _owner_id(connection, account_id, wanted.alias)
        clauses.append("id = ?" if owner is not None else "0")
        params.extend([owner] if owner is not None else [])
    return " AND ".join(clauses), params


def _refs(
    connection: sqlite3.Connection, account_id: str, customer_ids: Iterable[str]
) -> dict[str, CustomerRef]:
    """The real customers among `customer_ids`, with their live aliases (oldest first)."""
    wanted = json.dumps(sorted(set(customer_ids)))
    names = connection.execute(
        "SELECT id, legal_name FROM customers"
        " WHERE account_id = ? AND id IN (SELECT value FROM json_each(?))",
        (account_id, wanted),
    ).fetchall()
    values: dict[str, list[str]] = {}
    for customer_id, value in connection.execute(
        f"SELECT customer_id, value FROM customer_aliases WHERE account_id = ? AND {LIVE}"
        " AND customer_id IN (SELECT value FROM json_each(?)) ORDER BY customer_id, id",
        (account_id, wanted),
    ):
        values.setdefault(customer_id, []).append(value)
    return {
        customer_id: CustomerRef(customer_id, name, tuple(values.get(customer_id, ())))
        for customer_id, name in names
    }


def _directory(
    connection: sqlite3.Connection, account_id: str, aliases: Collection[str]
) -> AliasDirectory:
    """The real customer each alias stands for: a live alias first, else a customer id."""
    has_customers = connection.execute(
        "SELECT EXISTS (SELECT 1 FROM customers WHERE account_id = ?)", (account_id,)
    ).fetchone()[0]
    if not has_customers or not aliases:
        return {}
    owners = dict(
        connection.execute(
            "SELECT j.value, coalesce(a.customer_id, c.id) FROM json_each(?) AS j"
            " LEFT JOIN customer_aliases AS a"
            "  ON a.account_id = ? AND a.value = j.value"
            "  AND a.deleted_at IS NULL AND a.archived_at IS NULL"
            " LEFT JOIN customers AS c ON c.account_id = ? AND c.id = j.value"
            " WHERE coalesce(a.customer_id, c.id) IS NOT NULL",
            (json.dumps(sorted(aliases)), account_id, account_id),
        ).fetchall()
    )
    refs = _refs(connection, account_id, owners.values())
    return {alias: refs[owner] for alias, owner in owners.items()}


def _held_alias(
    connection: sqlite3.Connection, account_id: str, idempotency: IdempotencyKey
) -> CustomerAlias | None:
    """The alias a key's first request created, while the key is held."""
    row = connection.execute(
        "SELECT recorded_at, alias_id, customer_id, value, label, created_at"
        " FROM idempotency_keys WHERE account_id = ? AND key = ?",
        (account_id, idempotency.key),
    ).fetchone()
    if row is None or not still_held(_instant(row[0]), idempotency.now):
        return None
    _, alias_id, customer_id, value, label, created = row
    return CustomerAlias(alias_id, account_id, customer_id, value, _instant(created), label)


def _hold(
    connection: sqlite3.Connection,
    account_id: str,
    idempotency: IdempotencyKey,
    alias: CustomerAlias,
) -> None:
    """Remember the alias under its key, forgetting the account's keys past retention."""
    connection.execute(
        "DELETE FROM idempotency_keys WHERE account_id = ? AND recorded_at <= ?",
        (account_id, micros(idempotency.now - RETENTION)),
    )
    connection.execute(
        "INSERT OR REPLACE INTO idempotency_keys"
        " (account_id, key, recorded_at, alias_id, customer_id, value, label, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            account_id,
            idempotency.key,
            micros(idempotency.now),
            alias.id,
            alias.customer_id,
            alias.value,
            alias.label,
            micros(alias.created_at),
        ),
    )


def _check_location(path: Path) -> None:
    """Refuse, before SQLite creates anything, a path it could not keep a database at."""
    directory = path.parent
    if path.is_dir():
        raise StoreError(f"cannot open {path}: it is a directory, not a database file")
    if not directory.is_dir():
        raise StoreError(f"cannot open {path}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        # WAL keeps two files beside the database (-wal, -shm), so the directory must be writable.
        raise StoreError(f"cannot open {path}: directory {directory} is not writable")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(f"cannot open {path}: the file is not readable and writable")


def _check_existing(path: Path) -> None:
    """Read an existing file's schema version without writing to it, and refuse what is not ours."""
    _check_header(path)
    try:
        probe = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open {path}: {error}") from None
    try:
        version, tables = _version_and_tables(probe)
    except sqlite3.OperationalError as error:
        raise StoreError(f"cannot open {path}: {error}") from None
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{path} is not a SQLite database ({error})") from None
    finally:
        probe.close()
    _check_version(path, version, tables)


def _check_header(path: Path) -> None:
    """The SQLite header, read as plain bytes: SQLite itself would leave -wal and -shm files."""
    try:
        with path.open("rb") as file:
            header = file.read(HEADER_SIZE)
    except OSError as error:
        raise StoreError(f"cannot open {path}: {error.strerror}") from None
    if len(header) < HEADER_SIZE or not header.startswith(SQLITE_MAGIC):
        raise StoreError(f"{path} is not a SQLite database")
    version = int.from_bytes(header[USER_VERSION_AT : USER_VERSION_AT + 4], "big", signed=True)
    _check_version(path, version, tables=0)  # the tables are counted by SQLite, next


def _version_and_tables(connection: sqlite3.Connection) -> tuple[int, int]:
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    (tables,) = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return int(version), int(tables)


def _check_version(path: Path, version: int, tables: int) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer release (schema version {version});"
            f" this release reads up to {SCHEMA_VERSION}"
        )
    if version < 0 or (version == 0 and tables):
        raise StoreError(f"{path} is a SQLite database, but not a sequence-emulator store")
