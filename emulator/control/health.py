"""GET /_emulator/health: a readiness probe with counts."""

from __future__ import annotations

import os
import time

from flask.typing import ResponseReturnValue

from emulator import __version__
from emulator.control.clock import clock_json
from emulator.http.context import services
from emulator.http.version import API_VERSION


def get_health() -> ResponseReturnValue:
    """Status, release, uptime, store kind and counts."""
    emulator = services()
    store = emulator.store
    return {
        "status": "ok",
        "version": __version__,
        "apiVersion": API_VERSION,
        "uptimeSeconds": round(time.monotonic() - emulator.started, 3),
        "process": os.getpid(),
        "store": store.kind,
        "counts": {
            "accounts": len(store.account_ids()),
            "seatEvents": store.count_seat_events(),
            "seatMetrics": store.count_seat_metrics(),
            "usageEvents": store.count_usage_events(),
            "usageMetrics": store.count_usage_metrics(),
            "journalEntries": len(emulator.journal),
            "faultRules": len(emulator.faults.rules()),
        },
        "clock": clock_json(),
    }
