"""Where the emulator keeps its state, behind one small protocol."""

from emulator.store.memory import MemoryStore
from emulator.store.protocol import Store

__all__ = ["MemoryStore", "Store"]
