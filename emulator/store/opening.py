"""Opening the database a settings string names: memory, sqlite:PATH or a PostgreSQL URL."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import exc
from sqlalchemy.engine import URL, make_url

from emulator.store.database import Database, StoreError, StoreUnavailableError
from emulator.store.schema import Upgrade, check_sqlite_file, prepare

MEMORY = "memory"
SQLITE_PREFIX = "sqlite:"
POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def open_database(spec: str, *, fsync: bool = False, upgrade: Upgrade | None = None) -> Database:
    """`memory` (SQLite in memory), `sqlite:PATH`, or `postgresql://USER:PASS@HOST:PORT/DB`,
    with this release's tables; StoreError if it cannot be used. `fsync` makes a SQLite file
    sync every commit to disk (power-loss safe) rather than leave it to the system; `upgrade`
    completes the upgrade of an older database's rows."""
    if spec == MEMORY:
        memory = Database("sqlite://", kind=MEMORY, shared=False)
        return _opened(memory, "the in-memory database", upgrade)
    if spec.startswith(POSTGRES_SCHEMES):
        url = _postgres_url(spec)
        where = url.render_as_string(hide_password=True)
        return _opened(Database(url, kind="postgresql", shared=True), where, upgrade)
    if spec.startswith(SQLITE_PREFIX) and spec.removeprefix(SQLITE_PREFIX):
        path = Path(spec.removeprefix(SQLITE_PREFIX)).absolute()
        check_sqlite_file(path)
        url = URL.create("sqlite", database=str(path))
        database = Database(url, kind="sqlite", shared=True, fsync=fsync)
        return _opened(database, str(path), upgrade)
    raise StoreError(
        f"store {spec!r}: expected memory, sqlite:PATH or postgresql://USER:PASS@HOST:PORT/DB"
    )


def _postgres_url(spec: str) -> URL:
    if importlib.util.find_spec("psycopg") is None:
        raise StoreError(
            "a PostgreSQL store needs psycopg: pip install 'sequence-emulator[postgresql]'"
        )
    try:
        url = make_url(spec)
    except exc.ArgumentError as error:
        raise StoreError(f"store {spec!r}: {error}") from None
    return url.set(drivername="postgresql+psycopg")


def _opened(database: Database, where: str, upgrade: Upgrade | None) -> Database:
    """`database` with its tables ready; StoreError (and the database closed) if not ours."""
    try:
        prepare(database, where, upgrade)
    except (StoreUnavailableError, exc.DatabaseError) as error:
        database.dispose()
        reason = error.orig if isinstance(error, exc.DBAPIError) else error
        raise StoreError(f"cannot open {where}: {reason}") from None
    except BaseException:
        database.dispose()
        raise
    return database
