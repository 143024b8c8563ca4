"""The load: POST /seat-events (or another path) with a new customerEventId on every request,
from wrk where it is installed, else from Python threads; bounded in time, to 127.0.0.1 only."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
# Every server first takes this much of the same load, unmeasured: throughput is the rate it
# keeps up, not its first second (the emulator builds openapi-core in the background then).
WARMUP_SECONDS = float(os.environ.get("BENCH_WARMUP_SECONDS", "1"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
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
# Per kind of load (wrk's script, events.lua, takes the same names): the path and body of the
# Python fallback.
KINDS = {"seat": ("/seat-events", EVENT), "usage": ("/usage-events", USAGE_EVENT)}


def post(url: str, body: dict[str, Any], path: str = "/seat-events") -> int:
    """One POST; its status."""
    request = urllib.request.Request(url + path, json.dumps(body).encode(), AUTH)
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def load(url: str, kind: str = "seat") -> dict[str, float]:
    """Requests/s and latency percentiles of POST /seat-events (or, `kind` usage, POST
    /usage-events) for SECONDS, after WARMUP_SECONDS of the same load."""
    measure = _wrk if has_wrk() else _python_load
    if WARMUP_SECONDS > 0:
        measure(url, kind, WARMUP_SECONDS)
    return measure(url, kind, SECONDS)


def has_wrk() -> bool:
    return any((Path(p) / "wrk").is_file() for p in os.environ.get("PATH", "").split(":"))


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over several runs."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def _wrk(url: str, kind: str, seconds: float) -> dict[str, float]:
    script_path = str(ROOT / "bench" / "events.lua")
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c16",
            f"-d{seconds:g}s",
            "--latency",
            "-s",
            script_path,
            url,
            "--",
            _run_id(),
            kind,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} requests failed:\n{out}")
    return {"rps": rps, "p50_ms": _percentile(out, "50%"), "p99_ms": _percentile(out, "99%")}


def _run_id() -> str:
    """A name no other run of the load has used: its events are new, never retries."""
    return f"{os.getpid()}-{time.time_ns()}"


def _percentile(out: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _python_load(url: str, kind: str, seconds: float) -> dict[str, float]:
    """A fallback load generator (keep-alive connections in threads) where wrk is missing."""
    import http.client

    path, event = KINDS[kind]
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    stop = time.monotonic() + seconds
    run = _run_id()

    def worker(n: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        i = 0
        while time.monotonic() < stop:
            i += 1
            body = json.dumps({**event, "customerEventId": f"py-{run}-{n}-{i}"})
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
        "rps": len(latencies) / seconds,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }
