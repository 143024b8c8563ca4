"""The request journal, newest first: what the code under test sent, and why it was refused."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from emulator.domain.journal import Journal, JournalEntry, JournalQuery
from emulator.services import Services
from emulator.ui.sections import Asked, Section, SectionInputError

JOURNAL_ROWS = 100
JOURNAL_ROWS_MAX = 1000


def journal(emulator: Services, asked: Asked) -> dict[str, Any]:
    """The latest requests, newest first, filtered as asked."""
    limit = asked.number("limit", JOURNAL_ROWS, JOURNAL_ROWS_MAX)
    status = asked.number("status", 0, 599) if asked.get("status") else None
    mine = asked.get("scope") == "account"
    wanted = JournalQuery(
        method=asked.get("method"),
        path=asked.get("path"),
        status=status,
        account_id=asked.account_id if mine else None,
    )
    return {"entries": newest(emulator.journal, wanted, limit), "limit": limit, "refusal": refusal}


def newest(journal: Journal, wanted: JournalQuery, limit: int) -> list[JournalEntry]:
    """The newest `limit` matching entries, newest first. A shared journal is read from its
    database, bodies and all: read back only as far as the page needs, not all 10,000."""
    latest, window = journal.latest_sequence(), limit
    while True:
        start = max(0, latest - window)
        found = journal.entries(replace(wanted, after=start))
        if len(found) >= limit or start == 0:
            return found[: -limit - 1 : -1]
        window *= 4


def journal_entry(emulator: Services, asked: Asked) -> dict[str, Any]:
    """One request's headers and bodies, and its response's, on demand."""
    sequence = asked.number("sequence", 1, 2**62)
    entries = emulator.journal.entries(JournalQuery(after=sequence - 1))
    entry = next((found for found in entries if found.sequence == sequence), None)
    if entry is None:
        raise SectionInputError([("sequence", f"request {sequence} is no longer in the journal")])
    return {
        "entry": entry,
        "request": shown(entry.request_json),
        "response": shown(entry.response_json),
    }


def shown(body: Any) -> str | None:
    """A body as the page shows it: JSON indented, text as it came."""
    if body is None or isinstance(body, str):
        return body
    return json.dumps(body, indent=2, ensure_ascii=False)


def refusal(entry: JournalEntry) -> str | None:
    """A refused request's error message, from the envelope it was answered with."""
    answer = entry.response_json if entry.status >= 400 else None
    error = answer.get("error") if isinstance(answer, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return message if isinstance(message, str) else None


SECTIONS = (
    Section("journal", "Request journal", journal, live=True, needs_account=False),
    Section("journal_entry", "Request", journal_entry, panel=False, needs_account=False),
)
