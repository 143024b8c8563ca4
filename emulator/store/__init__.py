"""Storage only: tables, rows and queries over SQLite or PostgreSQL (SQLAlchemy Core).

No Sequence rule lives here; emulator.rules decides what to read and write.
"""

from emulator.store.database import Database, StoreError, StoreUnavailableError

__all__ = ["Database", "StoreError", "StoreUnavailableError"]
