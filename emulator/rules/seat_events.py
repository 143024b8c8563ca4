"""Seat event flows, written once: supersession, listing by customer, balances in force
(BEHAVIOUR.md §4-§6)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from emulator.domain.customers import implicit_customer_id
from emulator.domain.pages import Page
from emulator.domain.seat_event_query import SeatEventQuery, customer_match, micros
from emulator.domain.seat_events import SeatEvent, SeatEventDraft, supersede
from emulator.rules import versions
from emulator.rules.minting import Mint
from emulator.store import customers as customer_rows
from emulator.store import seat_events as rows
from emulator.store.database import Transaction


def save(
    transaction: Transaction, account_id: str, draft: SeatEventDraft, mint: Mint
) -> tuple[SeatEvent, bool]:
    """Store `draft` under supersession; the effective event, and whether it is new."""
    return versions.save(
        transaction,
        rows,
        account_id,
        lambda current: supersede(current, draft, account_id, mint),
    )


def listing(transaction: Transaction, account_id: str, query: SeatEventQuery) -> Page[SeatEvent]:
    """One page of effective events; customerIds stand for every alias of each customer, the
    id itself, and the aliases whose implicit customer is named (BEHAVIOUR.md §11)."""
    wanted = query.filter
    aliases = None
    if wanted.customer_ids is not None:
        found = customer_rows.refs(transaction, account_id, wanted.customer_ids)
        match = customer_match(wanted.customer_ids, found)
        aliases = match.aliases | _implicit_aliases(transaction, account_id, match.implicit_ids)
    return rows.page(transaction, account_id, wanted, aliases, query.sort_by, query.page)


def _implicit_aliases(
    transaction: Transaction, account_id: str, implicit_ids: frozenset[str]
) -> frozenset[str]:
    """The aliases with events that stand for no real customer and whose implicit customer's
    id is named; the cost follows the account's series, not its events."""
    if not implicit_ids:
        return frozenset()
    candidates = rows.series_aliases(transaction, account_id)
    mapped = customer_rows.owners(transaction, account_id, candidates)
    return frozenset(
        alias
        for alias in candidates
        if alias not in mapped and implicit_customer_id(account_id, alias) in implicit_ids
    )


def in_force(transaction: Transaction, account_id: str, at: datetime) -> dict[str, list[SeatEvent]]:
    """Per alias (VOID excluded), the event in force at `at` for each seat type that has one."""
    found: dict[str, list[SeatEvent]] = {}
    for event in rows.in_force(transaction, account_id, micros(at)):
        found.setdefault(event.customer_alias, []).append(event)
    return found


def history(transaction: Transaction, account_id: str, aliases: Collection[str]) -> list[SeatEvent]:
    """Every version of every customerEventId ever sent under one of `aliases`, in id order:
    the superseded ones and the VOID ones that replaced them included."""
    keys = rows.keys_of_aliases(transaction, account_id, aliases)
    return rows.versions_of_keys(transaction, account_id, keys)


def replay(transaction: Transaction, account_id: str, events: Sequence[SeatEvent]) -> None:
    """Load stored versions as if received in id order: the last of each key counts."""
    versions.replay(transaction, rows, events)
