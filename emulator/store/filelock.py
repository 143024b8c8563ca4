"""One writer at a time across the processes that share an SQLite file, without sleeping."""

from __future__ import annotations

import os
import sys
import threading
from types import TracebackType

if sys.platform != "win32":  # Windows: SQLite's own locking alone
    import fcntl


class WriterLock:
    """The threads of this process queue on a thread lock, the processes on an exclusive
    flock of the database file itself: SQLite's busy handler sleeps 1, 2, 5 … ms between
    tries, so two processes writing at once waited far longer than a write takes.

    flock and SQLite's POSIX locks are independent; the file's descriptor stays open until
    close(), after the database's own connections, since closing any descriptor of the file
    would drop the POSIX locks SQLite holds on it.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._threads = threading.Lock()
        self._fd: int | None = None

    def __enter__(self) -> None:
        self._threads.acquire()
        if sys.platform == "win32":
            return
        try:
            if self._fd is None:  # opened on first write: the file exists by then
                self._fd = os.open(self._path, os.O_RDONLY)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._fd is not None and sys.platform != "win32":
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def close(self) -> None:
        """Release the descriptor; only once the database's connections are closed."""
        with self._threads:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
