"""A store or seed the server cannot use is refused at start, in one process or with workers:
exit 2, one message, nothing served, and the store file left as it was (BEHAVIOUR.md §9, §14)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from serving import run_to_exit

from emulator.store.opening import open_database

ROOT = Path(__file__).resolve().parents[1]
ENV = {"PYTHONPATH": str(ROOT), "EMULATOR_LOG_LEVEL": "WARNING"}
EVENT = {"customerAlias": "acme", "seatType": "admin", "eventTimestamp": "2024-04-01T00:00:00Z"}
MODES = [pytest.param((), id="one-process"), pytest.param(("--workers", "2"), id="workers")]

pytestmark = pytest.mark.slow


def foreign(version: int) -> Callable[[Path], None]:
    """Another program's SQLite file that happens to carry one of our version numbers."""

    def write(path: Path) -> None:
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE notes (body TEXT)")
            connection.execute(f"PRAGMA user_version = {version}")
        connection.close()

    return write


def ours_without(table: str) -> Callable[[Path], None]:
    """A store of this release from which one table was dropped."""

    def write(path: Path) -> None:
        open_database(f"sqlite:{path}").dispose()
        with sqlite3.connect(path) as connection:
            connection.execute(f"DROP TABLE {table}")
        connection.close()

    return write


def newer(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 99")
    connection.close()


def ours(path: Path) -> None:
    open_database(f"sqlite:{path}").dispose()


STORES = [
    pytest.param(lambda path: path.write_text("not a database " * 20), "not a SQLite", id="text"),
    pytest.param(foreign(1), "without the tables", id="foreign-version-1"),
    pytest.param(foreign(2), "without the tables", id="foreign-version-2"),
    pytest.param(newer, "newer release", id="newer-version"),
    pytest.param(ours_without("seat_metrics"), "seat_metrics", id="table-dropped"),
]


def state(metrics: tuple[dict[str, str], ...] = (), **seat_event: Any) -> str:
    events = [{**EVENT, **seat_event}]
    account = {"id": "acc", "seatEvents": events, "seatMetrics": list(metrics)}
    return json.dumps({"format": "sequence-emulator-state", "version": 1, "accounts": [account]})


SEEDS = [
    pytest.param(b"{not json", "not valid JSON", id="not-json"),
    pytest.param('{"a": "\xe9"}'.encode("latin-1"), "not UTF-8", id="not-utf-8"),
    pytest.param(state(total=-1).encode(), "total", id="negative-total"),
    pytest.param(state(total=2**63).encode(), "total", id="total-2-63"),
    pytest.param(state(total=1, customerAlias="").encode(), "customerAlias", id="empty-alias"),
    pytest.param(b"[" * 100_000, "nested too deeply", id="deep"),
    # refused by the control plane's document, which the schema alone let through
    pytest.param(
        state(({"seatType": "", "label": "x"},), total=1).encode(), "seatType", id="metric"
    ),
]


def serve(store: str, *flags: str) -> list[str]:
    return [sys.executable, "-m", "emulator", "serve", "--port", "0", "--store", store, *flags]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_refused(result: Any, message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "serving on" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, result.stderr


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("prepare", "message"), STORES)
def test_an_unusable_store_file_is_refused_and_left_as_it_was(
    tmp_path: Path, mode: tuple[str, ...], prepare: Callable[[Path], None], message: str
) -> None:
    database = tmp_path / "store.db"
    prepare(database)
    before = digest(database)
    result = run_to_exit(serve(f"sqlite:{database}", *mode), tmp_path, ENV)
    assert_refused(result, message)
    assert digest(database) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.db"], "no -wal or -shm left"


@pytest.mark.parametrize("mode", MODES)
def test_a_store_in_a_missing_directory_is_refused(tmp_path: Path, mode: tuple[str, ...]) -> None:
    result = run_to_exit(serve(f"sqlite:{tmp_path}/missing/x.db", *mode), tmp_path, ENV)
    assert_refused(result, "does not exist")
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("content", "message"), SEEDS)
def test_an_unusable_seed_is_refused_before_the_store_is_touched(
    tmp_path: Path, mode: tuple[str, ...], content: bytes, message: str
) -> None:
    seed, database, fresh = tmp_path / "seed.json", tmp_path / "store.db", tmp_path / "new.db"
    seed.write_bytes(content)
    ours(database)
    before = digest(database)
    result = run_to_exit(serve(f"sqlite:{database}", "--seed", str(seed), *mode), tmp_path, ENV)
    assert_refused(result, message)
    assert digest(database) == before
    result = run_to_exit(serve(f"sqlite:{fresh}", "--seed", str(seed), *mode), tmp_path, ENV)
    assert_refused(result, message)
    assert not fresh.exists(), "a refused seed creates no store file"
