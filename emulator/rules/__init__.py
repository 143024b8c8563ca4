"""The emulator's write flows and read rules, each written once, over one SQL database."""

from emulator.rules import usage_totals
from emulator.rules.minting import Observe
from emulator.rules.store import Store
from emulator.store.opening import open_database


def open_store(spec: str, observe_id: Observe | None = None, *, fsync: bool = False) -> Store:
    """The store a settings string names: `memory`, `sqlite:PATH` or a PostgreSQL URL.

    `observe_id` (an IdGenerator's observe) is shown each account's greatest id inside every
    write to a database other processes may share, so ids keep increasing across processes.
    `fsync`: a SQLite file syncs each commit to disk, surviving power loss, not only kill -9.
    """
    database = open_database(spec, fsync=fsync, upgrade=usage_totals.upgrade)
    return Store(database, observe_id)


__all__ = ["Store", "open_store"]
