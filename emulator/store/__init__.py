"""Where the emulator keeps its state, behind one small protocol."""

from collections.abc import Callable

from emulator.store.memory import MemoryStore
from emulator.store.protocol import Store
from emulator.store.sqlite import SQLiteStore, StoreError

__all__ = ["MemoryStore", "SQLiteStore", "Store", "StoreError", "open_store"]

SQLITE_PREFIX = "sqlite:"


def open_store(spec: str, observe_id: Callable[[str], None] | None = None) -> Store:
    """`memory`, or `sqlite:PATH` (ids observed inside each write, for several processes)."""
    if spec == "memory":
        return MemoryStore()
    if spec.startswith(SQLITE_PREFIX) and spec.removeprefix(SQLITE_PREFIX):
        return SQLiteStore(spec.removeprefix(SQLITE_PREFIX), observe_id=observe_id)
    raise StoreError(f"store {spec!r}: expected memory or sqlite:PATH")
