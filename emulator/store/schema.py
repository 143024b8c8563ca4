"""Which databases are ours, how old they are, and bringing them up to this release's tables.

SQLite keeps the schema version in its header (PRAGMA user_version), so a file can be judged
before SQLite writes anything; PostgreSQL keeps it in a one-row table. Every version so far only
added tables or columns: an upgrade creates the tables an older database lacks, adds the
columns of the tables it had, and fills in the columns derived from a customer's details.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Table,
    func,
    inspect,
    select,
    text,
    update,
)

from emulator.store.database import ALL_ACCOUNTS, Database, StoreError, Transaction
from emulator.store.rows import customer_of, customer_values
from emulator.store.tables import customers, for_postgresql, metadata

# 1: seat events and metrics; 2: customers and aliases; 3: customers.folded_name, and the
# clock, fault rules and journal of a shared sandbox; 4: accounts' company details, and
# customers.emails without archived contacts; 5: usage events and usage metrics; 6: usage
# metrics' totals per alias and day, in place of version 5's per-type counts (usage_days), and
# the size of each journal entry.
SCHEMA_VERSION = 6
# The tables a database of each version holds at the least: one that claims a version but lacks
# them is another program's, or was damaged, and an upgrade would write into it.
_TABLES_SINCE = {
    1: ("seat_events", "seat_series", "seat_metrics"),
    2: ("customers", "customer_aliases", "idempotency_keys"),
    4: ("sequence_accounts", "emulator_clock", "fault_rules", "journal"),
    5: ("usage_events", "usage_metrics"),
    6: ("usage_metric_days", "usage_metric_values"),
}
# What the rules layer adds up again in a database brought up from an older version (with the
# version it was): the store keeps rows, the rules know what they mean.
Upgrade = Callable[[Transaction, int], None]

# https://www.sqlite.org/fileformat.html#the_database_header
SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100
USER_VERSION_AT = 60  # big-endian 4 bytes: PRAGMA user_version

_versions = MetaData()
emulator_schema = Table("sequence_emulator_schema", _versions, Column("version", Integer))


def check_sqlite_file(path: Path) -> None:
    """Refuse, before SQLite creates or writes anything, a path that is not for us."""
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
    if path.is_file() and path.stat().st_size > 0:
        _check_header(path)


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
    check_version(str(path), version, tables=None)
    version, tables = _version_and_tables_read_only(path)
    check_version(str(path), version, tables=tables)


def _version_and_tables_read_only(path: Path) -> tuple[int, set[str]]:
    """The schema version (the header's may lag behind the WAL) and the file's tables, read
    without writing: the store's own connection would switch it to WAL."""
    # Read-only SQLite still leaves -wal and -shm beside a WAL file; with no -wal present every
    # commit is in the file itself, which can then be read as immutable, creating nothing.
    live = Path(f"{path}-wal").exists()
    try:
        probe = sqlite3.connect(f"{path.as_uri()}?{'mode=ro' if live else 'immutable=1'}", uri=True)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open {path}: {error}") from None
    try:
        (version,) = probe.execute("PRAGMA user_version").fetchone()
        names = probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return int(version), {name for (name,) in names}
    except sqlite3.OperationalError as error:
        raise StoreError(f"cannot open {path}: {error}") from None
    except sqlite3.DatabaseError as error:
        raise StoreError(f"{path} is not a SQLite database ({error})") from None
    finally:
        probe.close()


def check_version(where: str, version: int, *, tables: set[str] | None) -> None:
    """Refuse a newer release's database, one that holds tables but none of ours, and one
    that claims a version without its tables (`tables` None: not known yet)."""
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{where} was written by a newer release (schema version {version});"
            f" this release reads up to {SCHEMA_VERSION}"
        )
    if version < 0 or (version == 0 and tables):
        raise StoreError(f"{where} holds a database, but not a sequence-emulator store")
    missing = sorted(set(expected_tables(version)) - tables) if tables is not None else []
    if version > 0 and missing:
        raise StoreError(
            f"{where} holds a database of schema version {version} without the tables"
            f" {', '.join(missing)}: not a sequence-emulator store, or a damaged one"
        )


def expected_tables(version: int) -> list[str]:
    """The tables every database of `version` holds."""
    return [name for since, names in _TABLES_SINCE.items() if since <= version for name in names]


def prepare(database: Database, where: str, upgrade: Upgrade | None = None) -> None:
    """Create the tables in an empty database, or bring an older one up to SCHEMA_VERSION
    (then `upgrade` runs in the same transaction)."""
    with _exclusive(database) as connection:
        version = _read_version(connection)
        check_version(where, version, tables=set(inspect(connection).get_table_names()))
        if version < SCHEMA_VERSION:
            if database.dialect_name == "postgresql":
                for_postgresql()
            metadata.create_all(connection, checkfirst=version > 0)
            if 2 <= version < 3:
                connection.execute(
                    text("ALTER TABLE customers ADD COLUMN folded_name TEXT NOT NULL DEFAULT ''")
                )
            if 2 <= version < 4:
                _derive_customer_columns(connection)
            if version == 5:
                connection.execute(text("DROP TABLE IF EXISTS usage_days"))
            if not _has_column(connection, "journal", "size"):  # kept by version 3 to 5
                connection.execute(
                    text("ALTER TABLE journal ADD COLUMN size BIGINT NOT NULL DEFAULT 0")
                )
            if version > 0 and upgrade is not None:
                driver = connection.connection.driver_connection
                upgrade(Transaction(driver, connection.dialect), version)
            _write_version(connection, version)


@contextmanager
def _exclusive(database: Database) -> Iterator[Connection]:
    """A transaction that holds every write lock: of two processes starting at once on an
    empty database, one creates the tables while the other waits, then finds them."""
    with database.engine.connect() as connection:
        if database.dialect_name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # pysqlite itself never begins
            try:
                yield connection
                connection.exec_driver_sql("COMMIT")
            finally:
                if connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
                    connection.exec_driver_sql("ROLLBACK")
            return
        with connection.begin():
            lock = select(func.pg_advisory_xact_lock(ALL_ACCOUNTS))
            connection.execute(lock)
            yield connection


def _derive_customer_columns(connection: Connection) -> None:
    """The columns lists filter on, computed again from each customer: version 3 added the
    case-folded legal name, version 4 leaves archived contacts out of the emails."""
    for row in list(connection.execute(select(customers)).mappings()):
        derived = customer_values(customer_of(dict(row)))
        connection.execute(
            update(customers)
            .where(customers.c.account_id == row["account_id"], customers.c.id == row["id"])
            .values(emails=derived["emails"], folded_name=derived["folded_name"])
        )


def _has_column(connection: Connection, table: str, column: str) -> bool:
    return column in {found["name"] for found in inspect(connection).get_columns(table)}


def _read_version(connection: Connection) -> int:
    if connection.dialect.name == "sqlite":
        return int(connection.exec_driver_sql("PRAGMA user_version").scalar_one())
    if not inspect(connection).has_table(emulator_schema.name):
        return 0
    return int(connection.execute(select(emulator_schema.c.version)).scalar_one())


def _write_version(connection: Connection, old: int) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
    elif old == 0:
        _versions.create_all(connection)
        connection.execute(emulator_schema.insert().values(version=SCHEMA_VERSION))
    else:
        connection.execute(emulator_schema.update().values(version=SCHEMA_VERSION))
