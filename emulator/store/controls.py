"""Rows of a shared sandbox's test controls: the clock, the fault rules, the journal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, func, select, update

from emulator.store.database import Transaction
from emulator.store.statements import Prepared, Row
from emulator.store.tables import emulator_clock, fault_rules, journal

CLOCK = Prepared(select(emulator_clock.c.frozen_at, emulator_clock.c.offset_us))
SNAPSHOT = Prepared(
    select(
        select(emulator_clock.c.frozen_at).scalar_subquery(),
        select(emulator_clock.c.offset_us).scalar_subquery(),
        select(func.count()).select_from(fault_rules).scalar_subquery(),
    )
)
CLEAR_CLOCK = Prepared(emulator_clock.delete())
SET_CLOCK = Prepared(emulator_clock.insert())
RULES = Prepared(select(fault_rules).order_by(fault_rules.c.position))
RULE_COUNT = Prepared(select(func.count()).select_from(fault_rules))
NEXT_POSITION = select(func.coalesce(func.max(fault_rules.c.position), 0) + 1).scalar_subquery()
INSERT_RULE = Prepared(  # written under the controls' lock: positions never collide
    fault_rules.insert().values(
        {c.name: bindparam(c.name) for c in fault_rules.c if c.name != "position"}
        | {"position": NEXT_POSITION}
    )
)
DELETE_RULE = Prepared(fault_rules.delete().where(fault_rules.c.id == bindparam("rule_id")))
CLEAR_RULES = Prepared(fault_rules.delete())
FIRE_RULE = Prepared(
    update(fault_rules)
    .where(fault_rules.c.id == bindparam("rule_id"))
    .values(remaining=bindparam("new_remaining"), fired=fault_rules.c.fired + 1)
)
INSERT_ENTRY = Prepared(  # the database numbers the entry
    journal.insert()
    .values({c.name: bindparam(c.name) for c in journal.c if not c.primary_key})
    .returning(journal.c.sequence)
)
NEWEST_ENTRIES = Prepared(
    select(journal)
    .where(journal.c.sequence > bindparam("after"))
    .order_by(journal.c.sequence.desc())
    .limit(bindparam("keep"))
)
ENTRY_COUNT = Prepared(select(func.count()).select_from(journal))
LATEST_SEQUENCE = Prepared(select(func.coalesce(func.max(journal.c.sequence), 0)))
TRIM = Prepared(journal.delete().where(journal.c.sequence <= bindparam("oldest_dropped")))
_RUNNING = select(
    journal.c.sequence,
    func.sum(journal.c.size).over(order_by=journal.c.sequence.desc()).label("running"),
).subquery()
# The newest entry that, with every newer one, holds more than `max_bytes` (never the newest).
OVER_BYTES = Prepared(
    select(func.max(_RUNNING.c.sequence)).where(
        _RUNNING.c.running > bindparam("max_bytes"), _RUNNING.c.sequence < bindparam("newest")
    )
)
CLEAR_JOURNAL = Prepared(journal.delete())


def clock_state(transaction: Transaction) -> tuple[int | None, int]:
    """The frozen instant (microseconds) if any, and the offset from system time."""
    row = transaction.first(CLOCK)
    return (None, 0) if row is None else (row["frozen_at"], row["offset_us"])


def snapshot(transaction: Transaction) -> tuple[int | None, int, int]:
    """In one round trip: the clock's frozen instant and offset, and how many fault rules."""
    row = transaction.run(SNAPSHOT).fetchone()
    frozen_at, offset, rules = row
    return frozen_at, offset or 0, int(rules)


def set_clock(transaction: Transaction, frozen_at: int | None, offset_us: int) -> None:
    """Replace the clock's state."""
    transaction.run(CLEAR_CLOCK)
    transaction.run(SET_CLOCK, {"id": 1, "frozen_at": frozen_at, "offset_us": offset_us})


def rules(transaction: Transaction) -> list[Row]:
    """Every fault rule row, in the order added (across processes: ids from several
    generators need not be)."""
    return transaction.rows(RULES)


def rule_count(transaction: Transaction) -> int:
    """How many fault rules there are."""
    return int(transaction.scalar(RULE_COUNT))


def add_rule(transaction: Transaction, row: Mapping[str, Any]) -> None:
    """Store a new rule."""
    transaction.run(INSERT_RULE, row)


def delete_rule(transaction: Transaction, rule_id: str) -> None:
    """Remove one rule."""
    transaction.run(DELETE_RULE, {"rule_id": rule_id})


def clear_rules(transaction: Transaction) -> None:
    """Remove every rule."""
    transaction.run(CLEAR_RULES)


def fire_rule(transaction: Transaction, rule_id: str, remaining: int | None) -> None:
    """Count one firing of a rule."""
    transaction.run(FIRE_RULE, {"rule_id": rule_id, "new_remaining": remaining})


def add_entry(transaction: Transaction, row: Mapping[str, Any], keep: int, max_bytes: int) -> None:
    """Store a journal entry, forgetting now and then the oldest beyond `keep` entries or
    `max_bytes` of them."""
    # A path may hold an escaped NUL, which PostgreSQL's text cannot: keep a visible stand-in.
    row = {**row, "path": str(row["path"]).replace("\x00", "\ufffd")}
    newest = transaction.scalar(INSERT_ENTRY, row)
    if newest % 64 == 0:  # trimming in batches keeps inserts cheap
        transaction.run(TRIM, {"oldest_dropped": newest - keep})
        too_old = transaction.scalar(OVER_BYTES, {"max_bytes": max_bytes, "newest": newest})
        if too_old is not None:
            transaction.run(TRIM, {"oldest_dropped": too_old})


def entries(transaction: Transaction, keep: int, after: int = 0) -> list[Row]:
    """Of the newest `keep` entries, those after sequence `after`, oldest first."""
    return transaction.rows(NEWEST_ENTRIES, {"keep": keep, "after": after})[::-1]


def latest_sequence(transaction: Transaction) -> int:
    """The newest entry's sequence, 0 when there is none."""
    return int(transaction.scalar(LATEST_SEQUENCE))


def entry_count(transaction: Transaction, keep: int) -> int:
    """How many entries are kept (at most `keep`)."""
    return min(int(transaction.scalar(ENTRY_COUNT)), keep)


def clear_journal(transaction: Transaction) -> None:
    """Forget every entry."""
    transaction.run(CLEAR_JOURNAL)
