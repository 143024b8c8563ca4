"""The Store protocol: what the API needs from any storage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from emulator.domain.seat_events import Minted, SeatEvent, SeatEventDraft


class Store(Protocol):
    """Seat events per account, with supersession applied atomically."""

    kind: str

    def save_seat_event(
        self, account_id: str, draft: SeatEventDraft, mint: Callable[[], Minted]
    ) -> tuple[SeatEvent, bool]:
        """Store `draft` under supersession; the effective event, and whether it is new."""
        ...

    def seat_event(self, account_id: str, event_id: str) -> SeatEvent | None:
        """One stored version by id, superseded or not; None outside this account."""
        ...

    def current_seat_event(self, account_id: str, customer_event_id: str) -> SeatEvent | None:
        """The effective version of one customerEventId, if any."""
        ...

    def count_seat_events(self, account_id: str | None = None) -> int:
        """How many versions are stored, in one account or in all."""
        ...

    def reset(self, account_id: str | None = None) -> None:
        """Forget everything, or one account."""
        ...
