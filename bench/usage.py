"""make bench, the usage rows: POST /usage-events against POST /seat-events in the same run,
and calculate latency for one customer with 100,000 events in the period."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from bench.load import AUTH, RUNS, load, median_of
from bench.measures import _p50
from bench.servers import emulator_serve

CALCULATED_EVENTS = 100_000
APRIL = datetime(2024, 4, 1, tzinfo=timezone.utc)
CALCULATE = "?customerAliases=acme&periodStart=2024-04-01&periodEnd=2024-04-30"


def post_against_seat() -> dict[str, Any]:
    """Median of RUNS interleaved runs of each POST, each on a fresh `serve`."""
    seat, usage = [], []
    for _ in range(RUNS):
        with emulator_serve() as url:
            seat.append(load(url, "seat"))
        with emulator_serve() as url:
            usage.append(load(url, "usage"))
    mine, theirs = median_of(usage), median_of(seat)
    return {"usage": mine, "seat": theirs, "ratio": mine["rps"] / theirs["rps"]}


def usage_events(account: str, count: int) -> Iterator[Any]:
    """`count` usage events of one customer, spread over April, three channels, a length."""
    from emulator.domain.usage_events import UsageEvent

    for n in range(count):
        when = APRIL + timedelta(seconds=(n * 7919) % (30 * 86_400))
        yield UsageEvent(
            id=f"{n:08x}-0000-7000-8000-000000000000",
            account_id=account,
            customer_event_id=f"event-{n}",
            customer_alias="acme",
            event_type="message-sent",
            event_timestamp=when.isoformat(),
            event_time=when,
            event_properties={"length": n % 500, "channel": ("text", "email", "fax")[n % 3]},
            created_at=APRIL,
        )


METRICS = {
    "COUNT": {"aggregationType": "COUNT"},
    "SUM": {"aggregationType": "SUM", "aggregationProperty": "length"},
    "COUNT, filtered": {"aggregationType": "COUNT", "propertyFilters": {"channel": ["text"]}},
    "UNIQUE": {"aggregationType": "UNIQUE", "aggregationProperty": "length"},
}


def calculate_latencies(server: Any) -> list[dict[str, Any]]:
    """p50 of GET /usage-metrics/{id}/calculate per engine and kind of metric."""
    from emulator.domain.accounts import derived_account_id
    from emulator.domain.state import AccountState
    from emulator.rules import open_store

    account = derived_account_id("key")
    rows = []
    for kind in ("memory", "sqlite", "postgresql"):
        with tempfile.TemporaryDirectory() as folder:
            spec = "memory" if kind == "memory" else f"sqlite:{folder}/bench.db"
            if kind == "postgresql":
                spec = server.create_database("calculate")
            store = open_store(spec)
            events = tuple(usage_events(account, CALCULATED_EVENTS))
            store.import_accounts([AccountState(account, usage_events=events)])
            rows += [{"store": kind, **row} for row in _calculations(store)]
            store.close()
    return rows


def _calculations(store: Any) -> Iterator[dict[str, Any]]:
    from emulator.app import create_app
    from emulator.config import Settings

    client = create_app(Settings(), store=store).test_client()
    for label, fields in METRICS.items():
        body = {"name": label, "metricType": "SIMPLE", "eventType": "message-sent", **fields}
        started = time.perf_counter()  # a new metric adds up its totals from every event
        metric = client.post("/usage-metrics", json=body, headers=AUTH).get_json()
        create_ms = (time.perf_counter() - started) * 1000
        path = f"/usage-metrics/{metric['id']}/calculate{CALCULATE}"
        first = client.get(path, headers=AUTH).get_json()
        assert first["eventCount"] > 0, first
        p50 = _p50(lambda path=path: client.get(path, headers=AUTH), times=11)
        yield {
            "metric": label,
            "events": first["eventCount"],
            "p50_ms": p50,
            "create_ms": create_ms,
        }
