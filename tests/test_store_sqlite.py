"""What only the SQLite store has: a file that outlives the process, shared, versioned, guarded."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from emulator.domain.clock import Clock
from emulator.domain.customer_query import CustomerFilter, CustomerQuery, CustomerSortBy
from emulator.domain.ids import IdGenerator
from emulator.domain.pages import PageRequest
from emulator.domain.seat_event_query import micros
from emulator.domain.seat_events import Minted, SeatEventDraft
from emulator.domain.seat_metrics import SeatMetricDraft
from emulator.rules import Store, open_store
from emulator.store import StoreError, StoreUnavailableError
from emulator.store.schema import SCHEMA_VERSION
from emulator.store.seat_events import in_force_query

INSTANT = datetime(2024, 5, 1, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[1]


def mint_from(clock: Clock, new_id: IdGenerator | None = None) -> Callable[[], Minted]:
    ids = new_id or IdGenerator(clock.now)
    return lambda: Minted(ids(), clock.now())


def draft(total: int = 1, alias: str = "acme", event_id: str = "evt-1") -> SeatEventDraft:
    return SeatEventDraft(alias, "admin", "2024-04-18T00:00:00Z", total, event_id)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "emulator.db"


def SQLiteStore(path: Path, observe_id: Callable[[str], None] | None = None) -> Store:  # noqa: N802
    """The store on an SQLite file, as `--store sqlite:PATH` opens it."""
    return open_store(f"sqlite:{path}", observe_id)


@pytest.fixture
def store(path: Path) -> Iterator[Store]:
    with SQLiteStore(path) as opened:
        yield opened


def raw(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Rows read with a plain sqlite3 connection, beside the store."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def assert_consistent(path: Path) -> None:
    """One effective version per customerEventId, series counts that match, a sound file."""
    assert raw(path, "PRAGMA integrity_check") == [("ok",)]
    assert not raw(
        path,
        "SELECT account_id, customer_event_id FROM seat_events WHERE effective = 1"
        " GROUP BY account_id, customer_event_id HAVING count(*) != 1",
    )
    counted = raw(
        path,
        "SELECT account_id, customer_alias, seat_type, count(*) FROM seat_events"
        " WHERE effective = 1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )
    assert raw(path, "SELECT * FROM seat_series ORDER BY 1, 2, 3") == counted


def files_in(directory: Path) -> dict[str, str]:
    return {
        entry.name: hashlib.sha256(entry.read_bytes()).hexdigest()
        for entry in sorted(directory.iterdir())
    }


def test_data_survives_closing_and_reopening(path: Path) -> None:
    mint = mint_from(Clock())
    with SQLiteStore(path) as store:
        first, _ = store.save_seat_event("a1", draft(1), mint)
        second, _ = store.save_seat_event("a1", draft(2), mint)
        store.save_seat_event("a2", draft(3, alias="globex"), mint)
        metric = store.create_seat_metric("a1", SeatMetricDraft("admin", "Admins"), mint)
        exported = store.export_accounts()
    with SQLiteStore(path) as reopened:
        assert reopened.export_accounts() == exported
        assert reopened.seat_event("a1", first.id) == first
        assert reopened.current_seat_event("a1", "evt-1") == second
        assert reopened.seat_metric("a1", metric.id) == metric
        assert reopened.seat_events_in_force("a1", INSTANT) == {"acme": [second]}
        assert reopened.save_seat_event("a1", draft(2), mint) == (second, False)  # still a retry
    assert_consistent(path)


def test_a_second_store_on_the_same_file_sees_the_first_ones_writes(path: Path) -> None:
    mint = mint_from(Clock())
    with SQLiteStore(path) as one, SQLiteStore(path) as other:
        first, _ = one.save_seat_event("a1", draft(1), mint)
        assert other.current_seat_event("a1", "evt-1") == first
        second, created = other.save_seat_event("a1", draft(2), mint)
        assert created and one.current_seat_event("a1", "evt-1") == second
        assert one.seat_events_in_force("a1", INSTANT) == {"acme": [second]}
        other.reset("a1")
        assert one.count_seat_events() == 0


@pytest.mark.parametrize("ids", ["one generator", "a generator per store"])
def test_concurrent_supersessions_through_two_stores_leave_one_effective(
    path: Path, ids: str
) -> None:
    clock = Clock()
    clock.freeze(INSTANT)
    shared = IdGenerator(clock.now)
    stores, mints = [], []
    for _ in range(2):
        # As two worker processes would: each its own store and, in the second case, its own
        # id generator, kept in step by the store (observe_id) inside the write transaction.
        new_id = shared if ids == "one generator" else IdGenerator(clock.now)
        stores.append(SQLiteStore(path, observe_id=new_id.observe))
        mints.append(mint_from(clock, new_id))
    barrier = threading.Barrier(2)
    results: list[tuple[str, bool]] = []

    def post(worker: int) -> None:
        barrier.wait()
        for n in range(25):
            event, created = stores[worker].save_seat_event(
                "a1", draft(worker * 25 + n), mints[worker]
            )
            results.append((event.id, created))

    threads = [threading.Thread(target=post, args=(worker,)) for worker in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert all(created for _, created in results)
        returned = [event_id for event_id, _ in results]
        assert len(set(returned)) == 50
        effective = stores[0].current_seat_event("a1", "evt-1")
        assert effective is not None and effective.id == max(returned)
        assert stores[1].current_seat_event("a1", "evt-1") == effective
        assert all(stores[1].seat_event("a1", event_id) for event_id in returned)
        assert stores[0].count_seat_events("a1") == 50
        assert raw(path, "SELECT count(*) FROM seat_events WHERE effective = 1") == [(1,)]
        assert_consistent(path)
    finally:
        for store in stores:
            store.close()


def test_ids_keep_increasing_after_a_restart_with_an_earlier_clock(path: Path) -> None:
    clock = Clock()
    clock.freeze(INSTANT)
    with SQLiteStore(path) as store:
        first, _ = store.save_seat_event("a1", draft(1), mint_from(clock))
    clock.freeze(INSTANT - timedelta(days=1))  # a restarted server whose clock is behind
    new_id = IdGenerator(clock.now)
    with SQLiteStore(path, observe_id=new_id.observe) as store:
        second, _ = store.save_seat_event("a1", draft(2), mint_from(clock, new_id))
        metric = store.create_seat_metric("a1", SeatMetricDraft("admin", "A"), new_id_mint(new_id))
    assert first.id < second.id < metric.id


def new_id_mint(new_id: IdGenerator) -> Callable[[], Minted]:
    return lambda: Minted(new_id(), INSTANT)


def test_a_new_file_has_the_current_schema_version_in_wal_mode(store: Store, path: Path) -> None:
    assert SCHEMA_VERSION == 6
    assert raw(path, "PRAGMA user_version") == [(6,)]
    assert raw(path, "PRAGMA journal_mode") == [("wal",)]
    with store.database.engine.connect() as connection:
        # NORMAL: in WAL mode a commit survives kill -9 of the process; only power loss needs FULL
        assert connection.exec_driver_sql("PRAGMA synchronous").one() == (1,)
        assert connection.exec_driver_sql("PRAGMA busy_timeout").one() == (10_000,)


def test_fsync_makes_a_file_sync_every_commit(path: Path) -> None:
    store = open_store(f"sqlite:{path}", fsync=True)
    try:
        with store.database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").one() == (2,)  # FULL
    finally:
        store.close()


def test_a_version_2_file_is_upgraded_in_place_and_keeps_its_data(path: Path) -> None:
    # A file as release 2 wrote it, with one event, metric, customer and alias.
    connection = sqlite3.connect(path)
    connection.executescript(RELEASE_2_SCHEMA + RELEASE_2_ROWS)
    connection.execute("PRAGMA user_version = 2")
    connection.commit()
    connection.close()

    with SQLiteStore(path) as upgraded:
        event = upgraded.seat_event("a1", EVENT_ID)
        assert event is not None and (event.customer_alias, event.total) == ("acme", 3)
        assert upgraded.count_seat_metrics("a1") == 1
        in_force = upgraded.seat_events_in_force("a1", INSTANT)
        assert upgraded.alias_directory("a1", in_force.keys())["acme"].legal_name == "Ächme"
        found = upgraded.list_customers(
            "a1",
            CustomerQuery(
                CustomerFilter(legal_name="äCH"), CustomerSortBy.CREATED_AT, PageRequest()
            ),
        )
        assert [c.id for c in found.items] == [CUSTOMER_ID]  # the new column was filled
    assert raw(path, "PRAGMA user_version") == [(6,)]
    assert_consistent(path)
    with SQLiteStore(path) as reopened:  # a second open finds nothing to migrate
        assert reopened.customer_by_alias("a1", "acme") is not None


EVENT_ID = "0190f0c0-0000-7000-8000-000000000001"
CUSTOMER_ID = "0190f0c0-0000-7000-8000-000000000002"
RELEASE_2_ROWS = f"""
INSERT INTO seat_events VALUES ('a1', '{EVENT_ID}', 'evt-1', 'acme', 'admin',
    '2024-04-18T00:00:00Z', 1713398400000000, 3, 1713398400000000, 1);
INSERT INTO seat_series VALUES ('a1', 'acme', 'admin', 1);
INSERT INTO seat_metrics VALUES ('a1', '0190f0c0-0000-7000-8000-000000000003', 'admin',
    'Admins', NULL, 1713398400000000, 1713398400000000, NULL);
INSERT INTO customers VALUES ('a1', '{CUSTOMER_ID}', 'Ächme', NULL, '', NULL,
    1713398400000000, NULL, '{{"address": {{"line1": "1 Road", "line2": null, "town": "London",
    "state": null, "postcode": "N1", "country": "GB"}}, "contacts": [], "tax_status": "TAXED",
    "status": "ACTIVE", "url": null, "integration_ids": [], "custom_properties": {{}}}}');
INSERT INTO customer_aliases VALUES ('a1', '0190f0c0-0000-7000-8000-000000000004',
    '{CUSTOMER_ID}', 'acme', NULL, 1713398400000000, NULL, NULL);
"""


def make_database(path: Path, user_version: int, wal: bool) -> None:
    connection = sqlite3.connect(path)
    if wal:
        connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("CREATE TABLE seat_events (anything)")
    connection.execute("INSERT INTO seat_events VALUES ('kept')")
    connection.execute(f"PRAGMA user_version = {user_version}")
    connection.commit()
    connection.close()


@pytest.mark.parametrize("wal", [False, True], ids=["rollback journal", "wal"])
def test_a_file_from_a_newer_release_is_refused_and_left_untouched(path: Path, wal: bool) -> None:
    make_database(path, SCHEMA_VERSION + 1, wal)
    before = files_in(path.parent)
    with pytest.raises(StoreError) as refused:
        SQLiteStore(path)
    assert str(refused.value) == (
        f"{path} was written by a newer release (schema version {SCHEMA_VERSION + 1});"
        f" this release reads up to {SCHEMA_VERSION}"
    )
    assert files_in(path.parent) == before  # not a byte changed, no -wal or -shm left behind


def test_another_programs_database_is_refused_and_left_untouched(path: Path) -> None:
    make_database(path, 0, wal=False)
    before = files_in(path.parent)
    with pytest.raises(StoreError, match="holds a database, but not a sequence-emulator"):
        SQLiteStore(path)
    assert files_in(path.parent) == before


@pytest.mark.parametrize("content", [b"hello, not a database\n" * 20, b"hi"])
def test_a_file_that_is_not_a_database_is_refused_and_left_untouched(
    path: Path, content: bytes
) -> None:
    path.write_bytes(content)
    with pytest.raises(StoreError, match="is not a SQLite database"):
        SQLiteStore(path)
    assert path.read_bytes() == content
    assert [entry.name for entry in path.parent.iterdir()] == [path.name]


def test_an_empty_file_becomes_a_store(path: Path) -> None:
    path.touch()
    with SQLiteStore(path) as store:
        store.save_seat_event("a1", draft(), mint_from(Clock()))
    assert raw(path, "PRAGMA user_version") == [(6,)]


def test_a_path_in_a_missing_directory_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "missing" / "emulator.db"
    with pytest.raises(StoreError, match="does not exist"):
        SQLiteStore(missing)
    assert not missing.parent.exists()


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        SQLiteStore(tmp_path)


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "read-only"
    directory.mkdir()
    directory.chmod(0o555)
    try:
        if os.access(directory, os.W_OK):
            pytest.skip("this user (root?) may write in a read-only directory")
        yield directory
    finally:
        directory.chmod(0o755)


def test_a_read_only_directory_is_refused(read_only: Path) -> None:
    with pytest.raises(StoreError, match="is not writable"):
        SQLiteStore(read_only / "emulator.db")


def test_a_read_only_file_is_refused(path: Path) -> None:
    SQLiteStore(path).close()
    path.chmod(0o444)
    try:
        if os.access(path, os.W_OK):
            pytest.skip("this user (root?) may write a read-only file")
        with pytest.raises(StoreError, match="not readable and writable"):
            SQLiteStore(path)
    finally:
        path.chmod(0o644)


def test_a_closed_store_refuses_work(path: Path) -> None:
    store = SQLiteStore(path)
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.count_seat_events()


def in_force_sql(at: int) -> str:
    """The balances query as SQLite runs it, for account a1."""
    query = in_force_query().params(account_id="a1", at=at)
    literal = {"literal_binds": True}
    return str(query.compile(dialect=sqlite_dialect(), compile_kwargs=literal))


def test_the_in_force_query_seeks_the_series_index_and_scans_no_event(store: Store) -> None:
    with store.database.engine.connect() as connection:
        explained = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + in_force_sql(0))
        plan = [row[3] for row in explained]
    assert any("USING INDEX seat_events_by_series" in step for step in plan), plan
    assert not any(step.startswith("SCAN") for step in plan), plan
    assert "USE TEMP B-TREE" not in " ".join(plan), plan


def steps_of_in_force(store: Store, at: datetime) -> int:
    """SQLite virtual-machine steps that one balance query takes."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    with store.database.engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.set_progress_handler(count, 1)
        try:
            connection.exec_driver_sql(in_force_sql(micros(at))).fetchall()
        finally:
            driver.set_progress_handler(None, 1)
    return steps


def test_the_cost_of_balances_does_not_grow_with_the_number_of_events(store: Store) -> None:
    # A quiet series whose only event is old, busy ones with many later events, some of them
    # still in the future: a query that walked events by time would pay for every one of them.
    mint = mint_from(Clock())
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    quiet = SeatEventDraft("quiet", "admin", "2020-01-01", 7, "q")
    busy = [
        SeatEventDraft(f"c{n % 2}", "admin", (start + timedelta(minutes=n)).isoformat(), n, f"e{n}")
        for n in range(5000)
    ]
    at = start + timedelta(minutes=4000)

    def save(drafts: list[SeatEventDraft]) -> None:
        # Most through an import (one transaction, one fsync), the last two as posted.
        loaded = open_store("memory")
        loaded.import_accounts(store.export_accounts())
        for sent in drafts[:-2]:
            loaded.save_seat_event("a1", sent, mint)
        store.import_accounts(loaded.export_accounts())
        for sent in drafts[-2:]:
            store.save_seat_event("a1", sent, mint)

    save([quiet, *busy[:20]])
    few = steps_of_in_force(store, at)
    save(busy[20:])
    assert store.count_seat_events("a1") == 5001
    in_force = store.seat_events_in_force("a1", at)
    assert {alias: [e.total for e in events] for alias, events in in_force.items()} == {
        "c0": [4000],
        "c1": [3999],
        "quiet": [7],
    }
    assert steps_of_in_force(store, at) == few


WRITER = """
import sys
from emulator.domain.clock import Clock
from emulator.domain.ids import IdGenerator
from emulator.domain.seat_event_query import micros
from emulator.domain.customer_query import CustomerFilter, CustomerQuery, CustomerSortBy
from emulator.domain.pages import PageRequest
from emulator.domain.seat_events import Minted, SeatEventDraft
from emulator.rules import open_store

clock = Clock()
new_id = IdGenerator(clock.now)
store = open_store("sqlite:" + sys.argv[1], observe_id=new_id.observe)
n = 0
while True:
    sent = SeatEventDraft(f"c{n % 3}", "admin", "2024-04-18", n, f"e{n % 7}")
    event, _ = store.save_seat_event("a1", sent, lambda: Minted(new_id(), clock.now()))
    print(event.id, event.customer_event_id, event.total, flush=True)
    n += 1
"""


@pytest.mark.slow
def test_every_acknowledged_event_survives_a_kill_9(path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER), str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert writer.stdout is not None
    acknowledged = [writer.stdout.readline().split() for _ in range(60)]
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    assert_consistent(path)
    with SQLiteStore(path) as store:
        for event_id, _, total in acknowledged:
            stored = store.seat_event("a1", event_id)
            assert stored is not None and stored.total == int(total)
        last_by_key = {key: event_id for event_id, key, _ in acknowledged}
        for key, event_id in last_by_key.items():
            current = store.current_seat_event("a1", key)
            assert current is not None and current.id >= event_id  # or one sent after it


# The tables as release 2 created them (schema version 2), before SQLAlchemy.
RELEASE_2_SCHEMA = """
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


def test_a_query_that_is_wrong_stays_an_error_and_a_busy_database_is_unavailable(
    store: Store, path: Path
) -> None:
    # A bug is a 500, never taken for a database that went away (a 503 would hide it).
    with pytest.raises(sqlite3.OperationalError), store.database.read() as transaction:
        transaction.run(text("SELECT * FROM no_such_table"))
    slow = with_short_busy_timeout(open_store(f"sqlite:{path}"))
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreUnavailableError, match="locked"):
            slow.save_seat_event("a1", draft(), mint_from(Clock()))
    finally:
        holder.rollback()
        holder.close()
    assert slow.save_seat_event("a1", draft(), mint_from(Clock()))[1]  # free again: it works
    slow.close()


def with_short_busy_timeout(store: Store) -> Store:
    """The store, waiting 50 ms (not 10 s) for another connection's lock."""
    from sqlalchemy import event

    @event.listens_for(store.database.engine, "connect")
    def _short(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout = 50")

    store.database.engine.dispose()  # connections made from now on wait 50 ms
    return store
