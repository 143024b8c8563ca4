"""Connections and transactions, for SQLite (in memory or a file) and PostgreSQL.

Statements are SQLAlchemy Core expressions, compiled once per dialect and run on the driver's
own cursor inside explicit transactions: SQLAlchemy's per-execution work would cost more than
SQLite itself on the hot path. What differs between the engines (connection setup, how a write
is serialised) lives in this module and schema.py. A write transaction is committed before the
block ends, so an acknowledged write is durable.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from emulator.store.filelock import WriterLock
from emulator.store.statements import Row, Statement, compiled

BUSY_TIMEOUT_SECONDS = 10.0  # how long an SQLite writer waits for another process's transaction
POOL_SIZE = 8
APPENDING = "_emulator_append"  # what an append locks where every write takes a lock
ALL_ACCOUNTS = 0  # advisory lock taken shared by account writes, exclusively by whole resets
LOST_STATES = ("08", "57P", "55P03")  # PostgreSQL: no connection, shut down, lock timeout
LOCK_TIMEOUT_MS = 10_000  # PostgreSQL waits for a lock as long as SQLite's busy timeout
REPEATABLE_READ = text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


class StoreError(Exception):
    """The database cannot be used: missing, not writable, not ours, too new, closed."""


class StoreUnavailableError(Exception):
    """The database went away (or stayed locked past its timeout): answer 503, retry later."""


class Transaction:
    """One open transaction: runs statements and hands back rows by column name."""

    def __init__(self, driver: Any, dialect: Any) -> None:
        self._driver = driver
        self.dialect = dialect

    def run(self, statement: Statement, params: Mapping[str, Any] | None = None) -> Any:
        """Execute a statement; the driver's cursor (for rowcount)."""
        sql, defaults = compiled(statement, self.dialect)
        if defaults:
            params = {**defaults, **params} if params else defaults
        return self._driver.execute(sql, params or {})

    def run_many(self, statement: Statement, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute a statement once per row of parameters."""
        if rows:
            sql, defaults = compiled(statement, self.dialect)
            self._driver.cursor().executemany(sql, ({**defaults, **row} for row in rows))

    def rows(self, statement: Statement, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Every row a query returns."""
        cursor = self.run(statement, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def first(self, statement: Statement, params: Mapping[str, Any] | None = None) -> Row | None:
        """The first row a query returns, or None."""
        cursor = self.run(statement, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip((column[0] for column in cursor.description), row, strict=True))

    def scalar(self, statement: Statement, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None."""
        row = self.run(statement, params).fetchone()
        return None if row is None else row[0]

    def scalars(self, statement: Statement, params: Mapping[str, Any] | None = None) -> list[Any]:
        """The first column of every row."""
        return [row[0] for row in self.run(statement, params).fetchall()]


class _InMemory:
    """The in-memory database's one connection, used by one thread at a time."""

    def __init__(self, database: Database, driver: Any) -> None:
        self.database = database
        self.driver = driver
        self.transaction = Transaction(driver, database.dialect)
        self.lock = threading.Lock()


class _InMemoryTransaction:
    """One transaction on the in-memory database: a class, not a generator, as every request
    opens one."""

    __slots__ = ("_begin", "_memory")

    def __init__(self, memory: _InMemory, begin: str) -> None:
        self._memory = memory
        self._begin = begin

    def __enter__(self) -> Transaction:
        memory = self._memory
        memory.lock.acquire()
        try:
            if memory.database._closed:
                raise StoreError("the store is closed")
            memory.driver.execute(self._begin)
        except BaseException:
            memory.lock.release()
            raise
        return memory.transaction

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        memory = self._memory
        try:
            if kind is None:
                memory.driver.execute("COMMIT")
            else:
                _sqlite_rollback(memory.driver)
        finally:
            memory.lock.release()


class Database:
    """One engine, its pool, and the transactions the rules run in."""

    def __init__(self, url: str | URL, *, kind: str, shared: bool, fsync: bool = False) -> None:
        self.url = make_url(url)
        self.kind = kind  # memory, sqlite or postgresql: what health reports
        self.dialect_name = self.url.get_backend_name()
        self.shared = shared  # whether other processes may write to the same data
        self.engine = _engine(self.url, fsync=fsync)
        self.dialect = self.engine.dialect
        in_memory = self.dialect_name == "sqlite" and self.url.database in (None, "")
        # SQLite has one writer at a time: threads and processes queue here rather than in its
        # busy handler. An in-memory database is one connection: one thread at a time uses it.
        self._writer: WriterLock | None = None
        if self.dialect_name == "sqlite" and not in_memory:
            self._writer = WriterLock(str(self.url.database))
        self._write_lock: AbstractContextManager[Any] = self._writer or nullcontext()
        self._closed = False
        # The in-memory database lives in its one connection, held for the store's lifetime.
        self._memory: _InMemory | None = None
        if in_memory:
            driver = self.engine.raw_connection().driver_connection
            self._memory = _InMemory(self, driver)

    def write(self, account_id: str | None) -> AbstractContextManager[Transaction]:
        """One write transaction, serialised with every other write to the same account (or,
        without one, to any account), in this process and in all others."""
        if self._memory is not None:
            return _InMemoryTransaction(self._memory, "BEGIN IMMEDIATE")
        return self._write(account_id)

    @contextmanager
    def _write(self, account_id: str | None) -> Iterator[Transaction]:
        with self._write_lock, self._transaction(write=True) as transaction:
            if self.dialect_name == "postgresql":
                _lock_account(transaction, account_id)
            yield transaction

    @contextmanager
    def append(self) -> Iterator[Transaction]:
        """A write that needs no lock (adding a row nobody else changes): on PostgreSQL,
        committed as it runs."""
        if self.dialect_name == "postgresql":
            with self._autocommit() as transaction:
                yield transaction
            return
        with self.write(APPENDING) as transaction:
            yield transaction

    def read(self) -> AbstractContextManager[Transaction]:
        """One read transaction. On PostgreSQL (read committed, where each statement sees
        what was committed before it anyway) the reads run without a transaction, sparing
        two round trips."""
        if self.dialect_name == "postgresql":
            return self._autocommit()
        if self._memory is not None:
            return _InMemoryTransaction(self._memory, "BEGIN")
        return self._transaction(write=False)

    @contextmanager
    def snapshot(self) -> Iterator[Transaction]:
        """Reads that must all see the same committed state: read() on SQLite (a transaction
        is a snapshot there); on PostgreSQL a read-only repeatable-read transaction, where
        read()'s statements each see what was committed before them."""
        if self.dialect_name != "postgresql":
            with self.read() as transaction:
                yield transaction
            return
        with self._transaction(write=False) as transaction:
            transaction.run(REPEATABLE_READ)
            yield transaction

    def refresh_statistics(self) -> None:
        """After a bulk load: PostgreSQL plans from statistics, which an import leaves stale
        (its planner would sort a whole account to find a first page)."""
        if self.dialect_name == "postgresql":
            with self._driver() as driver, _translated():
                driver.execute("ANALYZE")
                driver.commit()

    def dispose(self) -> None:
        """Close every pooled connection; the database is not used afterwards."""
        self._closed = True
        self.engine.dispose()
        if self._writer is not None:
            self._writer.close()

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Transaction]:
        sqlite = self.dialect_name == "sqlite"
        with self._driver() as driver, _translated():
            if sqlite:
                driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield Transaction(driver, self.dialect)
            except BaseException:
                with suppress(Exception):  # a connection that went away cannot roll back
                    driver.rollback() if not sqlite else _sqlite_rollback(driver)
                raise
            driver.commit() if not sqlite else driver.execute("COMMIT")

    @contextmanager
    def _autocommit(self) -> Iterator[Transaction]:
        with self._driver() as driver, _translated():
            driver.autocommit = True
            try:
                yield Transaction(driver, self.dialect)
            finally:
                if not driver.broken:  # psycopg refuses any change to a broken connection
                    driver.autocommit = False

    @contextmanager
    def _driver(self) -> Iterator[Any]:
        """A driver connection lent by the pool (the in-memory database keeps its own)."""
        if self._closed:
            raise StoreError("the store is closed")
        with _translated():
            pooled = self.engine.raw_connection()
        try:
            yield pooled.driver_connection
        except StoreUnavailableError:
            if self.dialect_name == "postgresql":
                # The server went away: every pooled connection is as dead as this one.
                # Dropping them all here spares each later request a ping on checkout.
                pooled.invalidate()
                self.engine.dispose(close=False)
            raise
        finally:
            pooled.close()  # back to the pool


def _sqlite_rollback(driver: Any) -> None:
    if driver.in_transaction:
        driver.execute("ROLLBACK")


def _lock_account(transaction: Transaction, account_id: str | None) -> None:
    """Writes to one account queue on its advisory lock; a write to every account (a reset,
    an import) waits for all of them, and they for it."""
    if account_id is None:
        transaction.run(select(func.pg_advisory_xact_lock(ALL_ACCOUNTS)))
        return
    both = select(
        func.pg_advisory_xact_lock_shared(ALL_ACCOUNTS),
        func.pg_advisory_xact_lock(lock_key(account_id)),
    )
    transaction.run(both)


def lock_key(account_id: str) -> int:
    """A stable signed 64-bit advisory lock key for an account (never ALL_ACCOUNTS)."""
    digest = hashlib.blake2b(account_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True) or 1


@contextmanager
def _translated() -> Iterator[None]:
    """A lost connection or a lock held too long becomes StoreUnavailableError; any other
    database error (a bug) stays what it is, a 500."""
    try:
        yield
    except exc.DBAPIError as error:
        if error.connection_invalidated or _unavailable(error.orig):
            raise StoreUnavailableError(_reason(error.orig)) from None
        raise
    except Exception as error:  # the driver's own errors, raised outside SQLAlchemy
        if _unavailable(error):
            raise StoreUnavailableError(_reason(error)) from None
        raise


def _unavailable(error: BaseException | None) -> bool:
    """Whether a driver error says the database is out of reach or busy, not that the query
    is wrong: psycopg's errors without a server SQLSTATE (no connection) or of the classes
    connection exception (08), operator intervention (57P: shutdown) and lock timeout
    (55P03); SQLite's locked or busy database."""
    if isinstance(error, sqlite3.OperationalError):
        return "locked" in str(error) or "busy" in str(error)
    if not type(error).__module__.startswith("psycopg"):
        return False
    state = getattr(error, "sqlstate", None)
    return state is None or state.startswith(LOST_STATES)


def _reason(error: BaseException | None) -> str:
    return str(error).strip().splitlines()[0] if error else "the database is unavailable"


def _engine(url: URL, *, fsync: bool) -> Engine:
    if url.get_backend_name() == "postgresql":
        options = f"-c lock_timeout={LOCK_TIMEOUT_MS}"
        return create_engine(
            url, pool_size=POOL_SIZE, max_overflow=-1, connect_args={"options": options}
        )
    if url.database in (None, ""):
        engine = create_engine(
            "sqlite://",
            paramstyle="named",
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
    else:
        engine = create_engine(
            url,
            paramstyle="named",
            pool_size=POOL_SIZE,
            max_overflow=-1,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_SECONDS},
        )
    _sqlite_setup(engine, durable=url.database not in (None, ""), fsync=fsync)
    return engine


def _sqlite_setup(engine: Engine, *, durable: bool, fsync: bool) -> None:
    """Transactions are explicit (BEGIN IMMEDIATE for writes); a file is WAL.

    WAL with synchronous=NORMAL keeps every committed transaction through a crash or kill -9
    of the process (the WAL is in the operating system's hands); only a power loss can take
    the last ones, which FULL (`fsync`) prevents at the cost of one fsync per write.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        if durable:
            mode = dbapi_connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"SQLite refused WAL mode ({mode})")
            sync = "FULL" if fsync else "NORMAL"
            dbapi_connection.execute(f"PRAGMA synchronous = {sync}")
