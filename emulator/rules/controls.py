"""The test controls of a sandbox several processes share (BEHAVIOUR.md §14): the clock, the
fault rules and the journal kept in the database, so a change through one process applies to
all, with the same behaviour as the in-process versions they stand in for."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import Any

from emulator.domain.clock import Clock, system_now
from emulator.domain.faults import FaultAction, FaultBook, FaultRule
from emulator.domain.journal import BYTES_LIMIT, Journal, JournalEntry, JournalQuery
from emulator.store import controls as rows
from emulator.store.database import Database
from emulator.store.rows import instant, stored_instant

CONTROLS = "_emulator_controls"  # the lock that control writes take: never an account's id


class Pinned(threading.local):
    """What a request read of the shared controls, once, at its start (per thread)."""

    state: tuple[datetime | None, timedelta] | None = None  # the clock's
    rules: int | None = None  # how many fault rules there are


class SharedClock(Clock):
    """A clock whose frozen instant and offset live in the database."""

    def __init__(
        self,
        database: Database,
        source: Callable[[], datetime] = system_now,
        pinned: Pinned | None = None,
    ) -> None:
        super().__init__(source)
        self._database = database
        self._pinned = pinned or Pinned()

    def pin(self) -> None:
        """Read the shared clock (and the fault rules' count) once for this request."""
        with self._database.read() as transaction:
            frozen_at, offset, rules = rows.snapshot(transaction)
        self._pinned.state, self._pinned.rules = _clock_of(frozen_at, offset), rules

    def unpin(self) -> None:
        """Read the shared settings afresh at every use again."""
        self._pinned.state = self._pinned.rules = None

    def now(self) -> datetime:
        """The shared clock's current time, timezone-aware in UTC."""
        frozen_at, offset = self._state()
        return frozen_at if frozen_at is not None else self._source() + offset

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still."""
        return self._state()[0] is not None

    def freeze(self, at: datetime) -> None:
        """Stop the clock at `at`, for every process."""
        self._change(lambda frozen_at, offset: (stored_instant(at), offset))

    def advance(self, by: timedelta) -> None:
        """Move the clock forward (or back), frozen or running, for every process."""
        step = by // timedelta(microseconds=1)
        self._change(
            lambda frozen_at, offset: (
                (None, offset + step) if frozen_at is None else (frozen_at + step, offset)
            )
        )

    def resume(self) -> None:
        """Return to the system's time, for every process."""
        self._change(lambda frozen_at, offset: (None, 0))

    def _change(self, how: Callable[[int | None, int], tuple[int | None, int]]) -> None:
        with self._database.write(CONTROLS) as transaction:
            changed = how(*rows.clock_state(transaction))
            rows.set_clock(transaction, *changed)
        if self._pinned.state is not None:
            self._pinned.state = _clock_of(*changed)

    def _state(self) -> tuple[datetime | None, timedelta]:
        pinned = self._pinned.state
        return pinned if pinned is not None else self._read()

    def _read(self) -> tuple[datetime | None, timedelta]:
        with self._database.read() as transaction:
            return _clock_of(*rows.clock_state(transaction))


def _clock_of(frozen_at: int | None, offset: int) -> tuple[datetime | None, timedelta]:
    return instant(frozen_at), timedelta(microseconds=offset)


class SharedFaultBook(FaultBook):
    """Fault rules in the database: a rule's count is used up by whichever process fires it."""

    def __init__(
        self,
        database: Database,
        chance: Callable[[], float] = random.random,
        pinned: Pinned | None = None,
    ) -> None:
        super().__init__(chance)
        self._database = database
        self._pinned = pinned or Pinned()

    def add(self, rule: FaultRule) -> FaultRule:
        """Start applying a rule, in every process."""
        with self._database.write(CONTROLS) as transaction:
            rows.add_rule(transaction, _rule_row(rule))
        self._pinned.rules = None
        return rule

    def __bool__(self) -> bool:
        if self._pinned.rules is not None:  # read with the clock at the request's start
            return self._pinned.rules > 0
        with self._database.read() as transaction:
            return rows.rule_count(transaction) > 0

    def rules(self) -> list[FaultRule]:
        """Every rule, in the order added, with its counts."""
        with self._database.read() as transaction:
            return [_rule_of(row) for row in rows.rules(transaction)]

    def remove(self, rule_id: str) -> FaultRule | None:
        """Stop applying one rule."""
        with self._database.write(CONTROLS) as transaction:
            found = [r for r in map(_rule_of, rows.rules(transaction)) if r.id == rule_id]
            if found:
                rows.delete_rule(transaction, rule_id)
        self._pinned.rules = None
        return found[0] if found else None

    def clear(self) -> None:
        """Stop applying every rule."""
        with self._database.write(CONTROLS) as transaction:
            rows.clear_rules(transaction)
        self._pinned.rules = None

    def decide(
        self, method: str, path: str, account_id: str | None, headers: Mapping[str, str]
    ) -> FaultAction | None:
        """The action of the first rule that fires for this request, if any; counted once."""
        with self._database.write(CONTROLS) as transaction:
            for rule in map(_rule_of, rows.rules(transaction)):
                if rule.remaining == 0 or not rule.applies_to(method, path, account_id, headers):
                    continue
                if rule.probability < 1.0 and self._chance() >= rule.probability:
                    continue
                remaining = None if rule.remaining is None else rule.remaining - 1
                rows.fire_rule(transaction, rule.id, remaining)
                return rule.action
        return None


def _rule_row(rule: FaultRule) -> dict[str, Any]:
    described = asdict(replace(rule, remaining=None, fired=0))
    return {
        "id": rule.id,
        "rule": json.dumps(described),
        "remaining": rule.remaining,
        "fired": rule.fired,
    }


def _rule_of(row: Mapping[str, Any]) -> FaultRule:
    described = json.loads(row["rule"])
    header = described["header"]
    return FaultRule(
        **described
        | {
            "action": FaultAction(**described["action"]),
            "header": tuple(header) if header else None,
            "remaining": row["remaining"],
            "fired": row["fired"],
        }
    )


class SharedJournal(Journal):
    """The journal in the database: GET /_emulator/requests shows every process's requests."""

    def __init__(
        self, database: Database, limit: int = 10_000, max_bytes: int = BYTES_LIMIT
    ) -> None:
        super().__init__(limit, max_bytes)
        self._database = database

    def __len__(self) -> int:
        with self._database.read() as transaction:
            return rows.entry_count(transaction, self.limit)

    def next_sequence(self) -> int:
        """0: the database numbers an entry when it is recorded."""
        return 0

    def record(self, entry: JournalEntry) -> None:
        """Keep an entry, dropping the oldest beyond either bound (every 64 entries)."""
        with self._database.append() as transaction:
            rows.add_entry(transaction, _entry_row(entry), self.limit, self.max_bytes)

    def latest_sequence(self) -> int:
        """The newest entry's sequence, whichever process recorded it."""
        with self._database.read() as transaction:
            return rows.latest_sequence(transaction)

    def entries(self, query: JournalQuery) -> list[JournalEntry]:
        """The matching entries, oldest first."""
        with self._database.read() as transaction:
            # A later page reads only what follows the previous one, not the whole journal.
            kept = rows.entries(transaction, self.limit, query.after)
        return [entry for entry in map(_entry_of, kept) if query.matches(entry)]

    def clear(self) -> None:
        """Forget every entry."""
        with self._database.write(CONTROLS) as transaction:
            rows.clear_journal(transaction)


def _entry_row(entry: JournalEntry) -> dict[str, Any]:
    row = asdict(entry)
    del row["sequence"]
    return row | {
        "time": stored_instant(entry.time),
        "query": json.dumps(entry.query),
        "headers": json.dumps(entry.headers),
        "body_truncated": int(entry.body_truncated),
        "response_truncated": int(entry.response_truncated),
        "size": entry.size,
    }


def _entry_of(row: Mapping[str, Any]) -> JournalEntry:
    when = instant(row["time"])
    assert when is not None
    fields = {name: value for name, value in row.items() if name != "size"}
    return JournalEntry(
        **fields
        | {
            "time": when,
            "query": json.loads(row["query"]),
            "headers": json.loads(row["headers"]),
            "body": bytes(row["body"]),
            "body_truncated": bool(row["body_truncated"]),
            "response_body": bytes(row["response_body"]),
            "response_truncated": bool(row["response_truncated"]),
        }
    )
