"""The request journal: what the code under test actually sent."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from emulator.domain.journal import JournalQuery, journal_page
from emulator.http.context import query, services
from emulator.schemas.control import JOURNAL_ENTRY


def list_requests() -> ResponseReturnValue:
    """One page of the matching entries, oldest first, and where the next page starts."""
    journal = services().journal
    wanted: JournalQuery = query()
    latest = journal.latest_sequence()  # read first: an entry recorded meanwhile comes after
    page = journal_page(journal.entries(wanted), wanted.limit)
    return {
        "items": JOURNAL_ENTRY.dump(page.items, many=True),
        "next": page.next,
        "latestSequence": latest,
        "limit": journal.limit,
    }


def clear_requests() -> ResponseReturnValue:
    """Forget every entry."""
    journal = services().journal
    cleared = len(journal)
    journal.clear()
    return {"cleared": cleared}
