"""The default store: in memory, per process, safe under a threaded server."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.domain.seat_events import Minted, SeatEvent, SeatEventDraft, supersede


@dataclass
class _Account:
    events: dict[str, SeatEvent] = field(default_factory=dict)
    effective: dict[str, SeatEvent] = field(default_factory=dict)  # by customerEventId


class MemoryStore:
    """Every account's events in dictionaries, under one lock."""

    kind = "memory"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[str, _Account] = {}

    def save_seat_event(
        self, account_id: str, draft: SeatEventDraft, mint: Callable[[], Minted]
    ) -> tuple[SeatEvent, bool]:
        """Store `draft` under supersession; the effective event, and whether it is new."""
        with self._lock:
            account = self._accounts.setdefault(account_id, _Account())
            key = draft.customer_event_id
            current = account.effective.get(key) if key is not None else None
            created = supersede(current, draft, account_id, mint)
            if created is None:
                assert current is not None  # supersede() only declines a retry of `current`
                return current, False
            account.events[created.id] = created
            account.effective[created.customer_event_id] = created
            return created, True

    def seat_event(self, account_id: str, event_id: str) -> SeatEvent | None:
        """One stored version by id, superseded or not; None outside this account."""
        account = self._accounts.get(account_id)
        return account.events.get(event_id) if account else None

    def current_seat_event(self, account_id: str, customer_event_id: str) -> SeatEvent | None:
        """The effective version of one customerEventId, if any."""
        account = self._accounts.get(account_id)
        return account.effective.get(customer_event_id) if account else None

    def count_seat_events(self, account_id: str | None = None) -> int:
        """How many versions are stored, in one account or in all."""
        with self._lock:
            accounts = [self._accounts.get(account_id)] if account_id else self._accounts.values()
            return sum(len(account.events) for account in accounts if account)

    def reset(self, account_id: str | None = None) -> None:
        """Forget everything, or one account."""
        with self._lock:
            if account_id is None:
                self._accounts.clear()
            else:
                self._accounts.pop(account_id, None)
