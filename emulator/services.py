"""The parts one emulator is made of, built once by create_app and shared by every view."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from emulator.config import Settings
from emulator.domain.clock import Clock
from emulator.domain.ids import IdGenerator
from emulator.domain.seat_events import Minted
from emulator.store.protocol import Store


@dataclass
class Services:
    """Settings, storage, clock and id minting of one emulator."""

    settings: Settings
    store: Store
    clock: Clock
    new_id: IdGenerator
    started: float = field(default_factory=time.monotonic)

    def mint(self) -> Minted:
        """An id and a received-at time for a new version, both from the emulator's clock."""
        return Minted(id=self.new_id(), created_at=self.clock.now())
