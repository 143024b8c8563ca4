"""The request journal: what the code under test actually sent."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from emulator.http.context import query, services
from emulator.schemas.control import JOURNAL_ENTRY


def list_requests() -> ResponseReturnValue:
    """The matching entries, oldest first."""
    journal = services().journal
    return {
        "items": JOURNAL_ENTRY.dump(journal.entries(query()), many=True),
        "limit": journal.limit,
    }


def clear_requests() -> ResponseReturnValue:
    """Forget every entry."""
    journal = services().journal
    cleared = len(journal)
    journal.clear()
    return {"cleared": cleared}
