"""The usage section: the account's latest effective usage events and its usage metrics."""

from __future__ import annotations

import json
from typing import Any

from emulator.domain.pages import PageRequest
from emulator.domain.usage_metrics import UsageMetricFilter
from emulator.schemas.usage_events import USAGE_LIST_QUERY
from emulator.services import Services
from emulator.ui.sections import Asked, Section

LISTED = 100  # events and metrics shown (the counts say how many there are)


def usage(emulator: Services, asked: Asked) -> dict[str, Any]:
    """The newest effective usage events, as GET /usage-events lists them, and live metrics."""
    events = emulator.store.list_usage_events(
        asked.account, USAGE_LIST_QUERY.load({"limit": str(LISTED)})
    )
    metrics = emulator.store.list_usage_metrics(
        asked.account, PageRequest[str](limit=LISTED, descending=False), UsageMetricFilter()
    )
    properties = {event.id: json.dumps(event.event_properties) for event in events.items}
    return {"events": events, "properties": properties, "metrics": metrics}


SECTIONS = (Section("usage", "Usage events and metrics", usage, live=True),)
