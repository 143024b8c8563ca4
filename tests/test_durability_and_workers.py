"""The SQLite store as a real server process: kill -9, restarts, and several workers."""

from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import basic
from serving import ServedProcess, joined, run_to_exit, served, wait_until

from emulator.domain.accounts import derived_account_id

ROOT = Path(__file__).resolve().parents[1]
ENV = {"PYTHONPATH": str(ROOT), "EMULATOR_LOG_LEVEL": "WARNING"}
STATE = {"format": "sequence-emulator-state", "version": 1}

pytestmark = pytest.mark.slow


def serve_command(database: Path, *flags: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "emulator",
        "serve",
        "--port",
        "0",
        "--store",
        f"sqlite:{database}",
        *flags,
    ]


def event(n: int, customer_event_id: str, total: int) -> dict[str, Any]:
    return {
        "customerEventId": customer_event_id,
        "customerAlias": f"customer-{n % 3}",
        "seatType": "admin",
        "eventTimestamp": f"2024-04-{1 + n % 28:02d}T00:00:00Z",
        "total": total,
    }


def post_until_stopped(
    server: ServedProcess, worker: int, stop: threading.Event, acknowledged: list[dict[str, Any]]
) -> None:
    """Post events (some superseding others) until told to stop; keep every 201's body."""
    n = 0
    while not stop.is_set() and n < 2000:
        body = event(n, f"w{worker}-e{n % 40}", n)  # every 40th re-sends a customerEventId
        try:
            status, answer = server.request("POST", "/seat-events", body, basic())
        except (OSError, http.client.HTTPException):
            # Killed mid-request, or mid-answer (a status line, no body): never acknowledged.
            return
        if status == 201:
            acknowledged.append(answer)
        n += 1


def test_every_acknowledged_event_survives_a_kill_9(tmp_path: Path) -> None:
    database = tmp_path / "emulator.db"
    acknowledged: list[dict[str, Any]] = []
    stop = threading.Event()
    with served(serve_command(database), tmp_path, ENV) as server:
        writers = [
            threading.Thread(target=post_until_stopped, args=(server, w, stop, acknowledged))
            for w in range(4)
        ]
        for writer in writers:
            writer.start()
        try:
            wait_until(
                lambda: len(acknowledged) >= 150,
                60,
                lambda: (
                    f"{len(acknowledged)} of 150 events acknowledged, "
                    f"{sum(w.is_alive() for w in writers)} writers alive, server exit code "
                    f"{server.process.poll()}, stderr: {''.join(server.stderr_lines)[-2000:]}"
                ),
            )
            os.kill(server.process.pid, signal.SIGKILL)  # mid-stream, no chance to flush
            server.process.wait(timeout=10)
        finally:
            stop.set()
            joined(writers, 30)
    with served(serve_command(database), tmp_path, ENV) as restarted:
        for sent in acknowledged:
            status, stored = restarted.request("GET", f"/seat-events/{sent['id']}", headers=basic())
            assert (status, stored) == (200, sent)
        assert_one_effective_version_each(restarted, acknowledged)
        assert_balances_follow_the_effective_events(restarted)
    assert integrity(database) == "ok"


def assert_one_effective_version_each(
    server: ServedProcess, acknowledged: list[dict[str, Any]]
) -> None:
    latest: dict[str, str] = {}
    for sent in acknowledged:
        key = sent["customerEventId"]
        latest[key] = max(latest.get(key, ""), sent["id"])
    for key, newest_acknowledged in latest.items():
        status, page = server.request("GET", f"/seat-events?customerEventId={key}", headers=basic())
        assert status == 200 and page["pagination"]["totalResultSize"] == 1
        # The last acknowledged version, or one received after it whose 201 was lost with the kill.
        assert page["items"][0]["id"] >= newest_acknowledged


def assert_balances_follow_the_effective_events(server: ServedProcess) -> None:
    events, after = [], None
    for _ in range(100):  # 4 writers x 40 customerEventIds: 160 effective events, 2 pages
        query = "limit=100" + (f"&after={after}" if after else "")
        _, page = server.request("GET", f"/seat-events?{query}", headers=basic())
        events += page["items"]
        after = page["pagination"]["after"]
        if after is None:
            break
    else:
        pytest.fail(f"paging never ended: {len(events)} events in 100 pages")
    expected: dict[str, tuple[str, str, int]] = {}
    for e in events:
        key = e["customerAlias"]
        candidate = (e["eventTimestamp"], e["id"], e["total"])
        expected[key] = max(expected.get(key, candidate), candidate)
    _, balances = server.request("GET", "/seat-balances", headers=basic())
    assert {c["legalName"]: c["total"] for c in balances["items"]} == {
        alias: total for alias, (_, _, total) in expected.items()
    }


def integrity(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def test_two_workers_share_one_store(tmp_path: Path) -> None:
    database = tmp_path / "emulator.db"
    with served(serve_command(database, "--workers", "2"), tmp_path, ENV) as server:
        ids = post_concurrently(server, [event(n, f"e{n}", n) for n in range(30)])
        assert len(set(ids)) == 30
        seen = workers_seen(server)
        assert len(seen) == 2, "both workers answered"
        assert set(seen.values()) == {30}  # each sees every event, whoever stored it


def test_concurrent_versions_across_workers_leave_one_effective(tmp_path: Path) -> None:
    database = tmp_path / "emulator.db"
    with served(serve_command(database, "--workers", "2"), tmp_path, ENV) as server:
        ids = post_concurrently(server, [event(1, "contested", total) for total in range(24)])
        status, page = server.request(
            "GET", "/seat-events?customerEventId=contested", headers=basic()
        )
    assert status == 200 and page["pagination"]["totalResultSize"] == 1
    assert page["items"][0]["id"] == max(ids)  # the last stored is the greatest id


def test_a_seed_is_imported_once_before_the_workers_answer(tmp_path: Path) -> None:
    # Each worker importing the seed itself replaced what another had already acknowledged.
    account = derived_account_id("key")
    seed = tmp_path / "seed.json"
    accounts = [{"id": account, "seatEvents": [event(0, "seeded", 7)], "seatMetrics": []}]
    seed.write_text(json.dumps({**STATE, "accounts": accounts}))
    database = tmp_path / "emulator.db"
    flags = ("--workers", "2", "--seed", str(seed))
    with served(serve_command(database, *flags), tmp_path, ENV) as server:
        announced = datetime.now(timezone.utc)
        ids = post_concurrently(server, [event(n, f"early-{n}", n) for n in range(40)])
        wait_until(lambda: len(workers_seen(server)) == 2, 30, lambda: "one worker never answered")
        status, page = server.request("GET", "/seat-events?limit=100", headers=basic())
    assert status == 200
    kept = {item["customerEventId"]: item for item in page["items"]}
    assert set(ids) <= {item["id"] for item in kept.values()}, "acknowledged events were lost"
    assert "seeded" in kept
    with sqlite3.connect(database) as connection:
        query = "SELECT created_at FROM seat_events WHERE customer_event_id = 'seeded'"
        [(created_micros,)] = connection.execute(query).fetchall()  # imported once: one version
    created = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=created_micros)
    assert created < announced, "the seed was imported after serving began, by a worker"


def post_concurrently(server: ServedProcess, bodies: list[dict[str, Any]]) -> list[str]:
    ids: list[str] = []
    barrier = threading.Barrier(len(bodies), timeout=30)

    def post(body: dict[str, Any]) -> None:
        barrier.wait()
        status, answer = server.request("POST", "/seat-events", body, basic())
        assert status == 201, answer
        ids.append(answer["id"])

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    joined(threads, 60)
    assert len(ids) == len(bodies), f"{len(bodies) - len(ids)} posts got no 201"
    return ids


def workers_seen(server: ServedProcess, rounds: int = 20) -> dict[int, int]:
    """Event counts by worker process, asking health in bursts of concurrent requests (one
    worker alone takes every connection of a sequential client) until two have answered."""
    seen: dict[int, int] = {}

    def ask() -> None:
        _, health = server.request("GET", "/_emulator/health")
        seen[health["process"]] = health["counts"]["seatEvents"]

    for _ in range(rounds):
        burst = [threading.Thread(target=ask) for _ in range(16)]
        for thread in burst:
            thread.start()
        joined(burst, 30)
        if len(seen) == 2:
            break
    return seen


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda path: path.parent / "missing" / "x.db", "directory"),
        (lambda path: (path.write_text("not a database"), path)[1], "not a SQLite database"),
        (lambda path: _newer(path), "newer release"),
    ],
)
def test_a_bad_store_file_stops_the_server_with_a_message(
    tmp_path: Path, prepare: Any, message: str
) -> None:
    result = run_to_exit(serve_command(prepare(tmp_path / "emulator.db")), tmp_path, ENV)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def _newer(path: Path) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 99")
    return path


def test_several_workers_on_the_memory_store_are_refused(tmp_path: Path) -> None:
    result = run_to_exit(
        [sys.executable, "-m", "emulator", "serve", "--workers", "2"], tmp_path, ENV
    )
    assert result.returncode == 2
    assert "--store sqlite:PATH" in result.stderr and "Traceback" not in result.stderr
