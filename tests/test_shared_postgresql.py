"""A sandbox on PostgreSQL shared by several `serve` processes behaves as one server."""

from __future__ import annotations

import http.client
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import basic
from postgres import PostgresDatabases, PostgresServer
from serving import ServedProcess, served
from sqlalchemy import text

from emulator.domain.seat_events import Minted
from emulator.domain.usage_events import UsageEventDraft
from emulator.rules import open_store

ROOT = Path(__file__).resolve().parents[1]
ENV = {"PYTHONPATH": str(ROOT), "EMULATOR_LOG_LEVEL": "WARNING"}

pytestmark = pytest.mark.slow


def serve_command(database_url: str) -> list[str]:
    return [sys.executable, "-m", "emulator", "serve", "--port", "0", "--store", database_url]


@contextmanager
def two_servers(database_url: str, cwd: Path) -> Iterator[tuple[ServedProcess, ServedProcess]]:
    """Two emulator processes on one database, each stopped by its pid afterwards."""
    with ExitStack() as stack:
        first = stack.enter_context(served(serve_command(database_url), cwd, ENV))
        second = stack.enter_context(served(serve_command(database_url), cwd, ENV))
        yield first, second


@pytest.fixture
def database(postgres_databases: PostgresDatabases) -> Iterator[str]:
    url = postgres_databases.borrow()
    yield url
    postgres_databases.give_back([url])


def seat_event(total: int, customer_event_id: str = "shared") -> dict[str, Any]:
    return {
        "customerEventId": customer_event_id,
        "customerAlias": "acme",
        "seatType": "admin",
        "eventTimestamp": "2024-04-18T00:00:00Z",
        "total": total,
    }


def test_fifty_concurrent_versions_through_two_processes_leave_one_effective(
    database: str, tmp_path: Path
) -> None:
    with two_servers(database, tmp_path) as servers:
        barrier = threading.Barrier(50)
        answers: list[tuple[int, Any]] = []

        def post(n: int) -> None:
            barrier.wait(timeout=30)
            answers.append(servers[n % 2].request("POST", "/seat-events", seat_event(n), basic()))

        threads = [threading.Thread(target=post, args=(n,)) for n in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert [status for status, _ in answers] == [201] * 50
        ids = [body["id"] for _, body in answers]
        assert len(set(ids)) == 50  # unique across processes
        for server in servers:
            _, page = server.request("GET", "/seat-events?customerEventId=shared", headers=basic())
            assert page["pagination"]["totalResultSize"] == 1
            effective = page["items"][0]
            assert effective["id"] == max(ids)  # ids are time-ordered: the last one wins
            _, balances = server.request("GET", "/seat-balances", headers=basic())
            assert [c["total"] for c in balances["items"]] == [effective["total"]]
            _, journal = server.request("GET", "/_emulator/requests?method=POST")
            assert len(journal["items"]) == 50  # both processes' requests, in one journal


def test_a_sigkill_of_one_process_loses_no_acknowledged_event(
    database: str, tmp_path: Path
) -> None:
    acknowledged: list[dict[str, Any]] = []
    stop = threading.Event()
    with two_servers(database, tmp_path) as (doomed, survivor):

        def write(server: ServedProcess, worker: int) -> None:
            for n in range(1000):
                if stop.is_set():
                    return
                try:
                    status, body = server.request(
                        "POST", "/seat-events", seat_event(n, f"w{worker}-{n % 20}"), basic()
                    )
                except (OSError, http.client.HTTPException):
                    # Killed mid-request, or mid-answer (a status line, no body): never
                    # acknowledged.
                    return
                if status == 201:
                    acknowledged.append(body)

        writers = [
            threading.Thread(target=write, args=(server, w))
            for w, server in enumerate((doomed, doomed, survivor, survivor))
        ]
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 100 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(doomed.process.pid, signal.SIGKILL)
        doomed.process.wait(timeout=10)
        time.sleep(0.2)
        stop.set()
        for writer in writers:
            writer.join(timeout=30)

        assert len(acknowledged) >= 100
        for sent in acknowledged:
            status, stored = survivor.request("GET", f"/seat-events/{sent['id']}", headers=basic())
            assert (status, stored) == (200, sent)


def test_the_clock_and_fault_rules_set_through_one_process_apply_to_the_other(
    database: str, tmp_path: Path
) -> None:
    with two_servers(database, tmp_path) as (first, second):
        status, _ = first.request("PUT", "/_emulator/clock", {"freezeAt": "2024-05-01T00:00:00Z"})
        assert status == 200
        _, clock = second.request("GET", "/_emulator/clock")
        assert clock == {"now": "2024-05-01T00:00:00Z", "frozen": True}

        _, created = second.request("POST", "/seat-events", seat_event(3, "e1"), basic())
        assert created["id"].startswith("018f3173-7000")  # UUIDv7 of 2024-05-01, the frozen now

        rule = {"path": "/seat-events", "method": "POST", "status": 503, "count": 1}
        assert first.request("POST", "/_emulator/faults", rule)[0] == 201
        assert second.request("POST", "/seat-events", seat_event(4, "e2"), basic())[0] == 503
        assert first.request("POST", "/seat-events", seat_event(4, "e2"), basic())[0] == 201
        _, rules = first.request("GET", "/_emulator/faults")
        assert [(r["remaining"], r["fired"]) for r in rules["items"]] == [(0, 1)]


def test_a_database_that_goes_away_answers_503_and_the_emulator_recovers(
    tmp_path: Path,
) -> None:
    server = PostgresServer.start(tmp_path / "postgres")
    try:
        url = server.create_database("emulator")
        with served(serve_command(url), tmp_path, ENV) as emulator:
            assert emulator.request("POST", "/seat-events", seat_event(1), basic())[0] == 201
            server.process.send_signal(signal.SIGINT)  # fast shutdown, data kept
            server.process.wait(timeout=30)
            status, body = emulator.request("POST", "/seat-events", seat_event(2), basic())
            assert (status, body["error"]["type"]) == (503, "ServiceUnavailable")
            status, body = emulator.request("GET", "/seat-balances", headers=basic())
            assert (status, body["error"]["type"]) == (503, "ServiceUnavailable")
            server.restart()
            status, created = emulator.request("POST", "/seat-events", seat_event(3), basic())
            assert status == 201
            _, page = emulator.request("GET", "/seat-events", headers=basic())
            assert [e["total"] for e in page["items"]] == [3]  # the refused event never stored
            assert page["items"][0]["id"] == created["id"]
    finally:
        server.stop()


def test_a_calculation_reads_one_snapshot_while_others_commit(database: str) -> None:
    # calculate reads day totals, then the part-days' events: a version committed between
    # them must not be seen by one read and not the other.
    with open_store(database) as store, open_store(database) as other:
        with store.database.snapshot() as transaction:
            level = transaction.scalar(text("SHOW transaction_isolation"))
            before = transaction.scalar(text("SELECT count(*) FROM usage_events"))
            mint = lambda: Minted(str(uuid.uuid4()), datetime.now(timezone.utc))  # noqa: E731
            other.save_usage_event("a1", UsageEventDraft("acme", "sent"), mint)
            after = transaction.scalar(text("SELECT count(*) FROM usage_events"))
        assert level == "repeatable read"
        assert before == after == 0
        assert other.count_usage_events("a1") == 1
