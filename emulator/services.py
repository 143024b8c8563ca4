"""The parts one emulator is made of, built once by create_app and shared by every view."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from emulator.config import Settings
from emulator.domain.clock import Clock
from emulator.domain.faults import FaultBook
from emulator.domain.ids import IdGenerator
from emulator.domain.journal import Journal
from emulator.domain.rate_limits import RateLimiter
from emulator.domain.seat_events import Minted
from emulator.domain.state import AccountState, with_minted_ids
from emulator.rules import Store


@dataclass
class Services:
    """Settings, storage, clock, id minting and the test controls of one emulator."""

    settings: Settings
    store: Store
    clock: Clock
    new_id: IdGenerator
    journal: Journal
    faults: FaultBook = field(default_factory=FaultBook)
    rate_limiter: RateLimiter | None = None  # every product request but POST /usage-events
    usage_rate_limiter: RateLimiter | None = None  # POST /usage-events alone
    started: float = field(default_factory=time.monotonic)

    def mint(self) -> Minted:
        """An id and a received-at time for a new version, both from the emulator's clock."""
        now = self.clock.now()
        return Minted(id=self.new_id.at(now), created_at=now)

    def close(self) -> None:
        """Release the store."""
        self.store.close()

    def import_accounts(self, accounts: list[AccountState], account_id: str | None = None) -> None:
        """Replace the store's data (or one account's) with `accounts`, which are used up; new
        ids come after every imported one."""
        for known in (i for account in accounts for i in account.ids()):
            self.new_id.observe(known)
        # Taken from `accounts` one by one and completed: no second copy of their events.
        completed = [with_minted_ids(accounts.pop(0), self.mint) for _ in range(len(accounts))]
        self.store.import_accounts(completed, account_id)
