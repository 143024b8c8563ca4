"""Supersession by customerEventId, written once for seat and usage events (BEHAVIOUR.md §4,
§12): the last received wins whatever the timestamps; an identical payload is a retry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from emulator.store.database import Transaction


class Version(Protocol):
    """What supersession reads of an event version."""

    @property
    def id(self) -> str: ...

    @property
    def customer_event_id(self) -> str: ...


E = TypeVar("E", bound=Version)


class EventRows(Protocol[E]):
    """Where versions of one kind are kept (a store module)."""

    def effective(self, transaction: Transaction, account_id: str, key: str, /) -> E | None:
        """The effective version of one customerEventId."""

    def retire(self, transaction: Transaction, event: E, /) -> None:
        """A superseded version stops counting."""

    def insert_effective(self, transaction: Transaction, event: E, /) -> bool:
        """Store a new effective version; False, storing nothing, when its customerEventId
        already has one."""

    def insert_versions(
        self, transaction: Transaction, versions: Sequence[E], effective_ids: set[str], /
    ) -> None:
        """Store versions as they are, marking the effective ones."""


def save(
    transaction: Transaction,
    rows: EventRows[E],
    account_id: str,
    supersede: Callable[[E | None], E | None],
) -> tuple[E, bool]:
    """Store the version `supersede` makes of the key's current one (None: a retry of it);
    the effective event, and whether it is new."""
    # Most events bring a customerEventId not seen before: the insert is tried first, and
    # the key's current version read only when the insert finds there is one.
    first = supersede(None)
    assert first is not None  # with nothing to supersede, there is always a new version
    if rows.insert_effective(transaction, first):
        return first, True
    current = rows.effective(transaction, account_id, first.customer_event_id)
    assert current is not None  # the insert found it, in this same transaction
    created = supersede(current)
    if created is None:  # a retry of `current`
        return current, False
    rows.retire(transaction, current)
    rows.insert_effective(transaction, created)
    return created, True


def replay(transaction: Transaction, rows: EventRows[E], versions: Sequence[E]) -> None:
    """Load stored versions as if received in id order: the last of each key counts."""
    ordered = sorted(versions, key=lambda event: event.id)
    effective = {event.customer_event_id: event.id for event in ordered}
    rows.insert_versions(transaction, ordered, set(effective.values()))
