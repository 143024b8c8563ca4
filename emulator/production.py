"""`serve`: the emulator behind granian, a production HTTP server, in one process or several.

granian's main process binds nothing itself: each worker process listens on the port with
SO_REUSEPORT and builds its own app after the fork. So the port (0 = any free one) is reserved
here first with a socket that never listens, the start is judged here once (store, seed), and
the `serving on` line is printed when a worker accepts a connection, not before.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from granian import Granian
from granian.constants import Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels

from emulator.config import ConfigError, Settings
from emulator.http.errors import ConnectionDroppedError
from emulator.store.opening import POSTGRES_SCHEMES

logger = logging.getLogger(__name__)

# Python threads per worker. With the store in the process one thread answers fastest (more
# hand the interpreter back and forth at every SQLite call: about 40 % fewer POSTs a second
# here); a PostgreSQL store waits on the network, which threads overlap (granian's advice: at
# most twice the cores plus one).
NETWORK_THREADS = min(8, 2 * (os.cpu_count() or 1) + 1)
HEADER_READ_TIMEOUT_MS = 5_000  # a client that stops sending its headers is cut off
READY_TIMEOUT_S = 60.0
_PR_SET_PDEATHSIG = 1  # prctl(2)
KILL_TIMEOUT_S = 1  # a worker that has not stopped a second after SIGTERM is killed


def check_start(settings: Settings) -> Settings:
    """Refuse here, once, what every worker would refuse after the fork (a store that cannot
    be opened, a seed that is not a valid state document); import the seed here when the store
    is shared, so that no worker replaces what another has acknowledged. The workers' settings."""
    from emulator.app import build_services
    from emulator.http.validation import shared_validator
    from emulator.spec import CONTROL_DOCUMENT, PRODUCT_DOCUMENT, VERSIONS_TABLE, shared_document

    if settings.workers > 1 and settings.store == "memory":
        raise ConfigError(
            f"--workers {settings.workers} needs --store sqlite:PATH or postgresql://...: the "
            "memory store lives in one process, so workers would not see each other's events"
        )
    if settings.store != "memory" or settings.seed is not None:  # else nothing can be refused
        build_services(settings, None, None).close()  # opens the store, imports the seed
    # Parsed before the fork, the documents and validators are shared by every worker.
    shared_validator(PRODUCT_DOCUMENT), shared_validator(CONTROL_DOCUMENT)
    shared_document(VERSIONS_TABLE)
    return settings if settings.store == "memory" else replace(settings, seed=None)


def reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port) with SO_REUSEPORT that never listens: it holds the port
    for granian's workers, which bind it the same way. Port 0 is any free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # SO_REUSEPORT would share a port with any listener of this user (another emulator, even
    # one picked for port 0): a plain bind first proves the port is nobody's.
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT only
        _bind(probe, host, port)
        port = probe.getsockname()[1]
    reserved = socket.socket(family, socket.SOCK_STREAM)
    reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        _bind(reserved, host, port)
    except ConfigError:
        reserved.close()
        raise
    return reserved


def _bind(sock: socket.socket, host: str, port: int) -> None:
    try:
        sock.bind((host, port))
    except OSError as error:
        raise ConfigError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


class _Granian(Granian):  # type: ignore[misc,valid-type]
    """granian's server, calling `then` once every worker has been started."""

    def __init__(self, then: Callable[[], None], **options: Any) -> None:
        super().__init__("emulator", **options)  # a name only: the app comes from _load_app
        self._then = then

    def startup(self, spawn_target: Any, target_loader: Any) -> None:
        """Start the workers, then `then`: a thread of ours running while granian forks
        could hold a lock (an import's, say) that the child would then wait on forever."""
        super().startup(spawn_target, target_loader)
        self._then()


def serve_with_granian(settings: Settings, announce: Callable[[str], None]) -> int:
    """Serve until SIGTERM or Ctrl-C, with `settings.workers` granian worker processes."""
    workers_settings = check_start(settings)
    reserved = reserve_port(settings.host, settings.port)
    host, port = reserved.getsockname()[:2]
    url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    watcher = threading.Thread(
        target=_announce_when_listening, args=(host, port, url, announce), daemon=True
    )
    server = _Granian(
        watcher.start,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=settings.workers,
        blocking_threads=threads_for(settings),
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_READ_TIMEOUT_MS),
        log_level=_granian_level(settings.log_level),
        log_dictconfig=_granian_logging(),
        workers_kill_timeout=KILL_TIMEOUT_S,
    )
    try:
        # A partial of a module-level function: picklable where workers are spawned, not forked.
        loader = partial(_load_app, workers_settings, os.getpid())
        server.serve(target_loader=loader, wrap_loader=False)
    finally:
        reserved.close()
    return 0


def threads_for(settings: Settings) -> int:
    """The threads each worker runs Python in: as asked, else by where the store lives."""
    if settings.threads is not None:
        return settings.threads
    return NETWORK_THREADS if settings.store.startswith(POSTGRES_SCHEMES) else 1


def _load_app(settings: Settings, parent: int) -> Any:
    """In a worker, after the fork: its own app, store connections and all."""
    from emulator.app import create_app

    # Ctrl-C reaches the whole process group; a worker that took it as well as the main
    # process's SIGTERM could hang (seen with granian's own CLI too). The main process alone
    # answers SIGINT, and stops the workers with SIGTERM.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    _die_with_parent(parent)
    app = create_app(settings)
    # What is built so far lives as long as the worker: frozen, the collector never walks it
    # again, and a full collection takes a third of the time (it stalled requests ~60 ms).
    # Garbage left by building the app is collected first, or it would be kept for good: it
    # is young, and the young generations are a fraction of a millisecond, where a full
    # collection took 30 ms of every start to find a handful of objects.
    gc.collect(1)
    gc.freeze()
    return app


def _die_with_parent(parent: int) -> None:
    """Have Linux kill this worker when the main process dies, even by SIGKILL: an orphaned
    worker would go on serving, and holding the store, with nobody to stop it."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the main process died before the request was made
        os._exit(1)


def _announce_when_listening(
    host: str, port: int, url: str, announce: Callable[[str], None]
) -> None:
    """Print the `serving on` line once a worker accepts connections."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
        except OSError:
            time.sleep(0.005)
            continue
        announce(url)
        return
    logger.error("no worker listened on %s within %.0f s", url, READY_TIMEOUT_S)


class QuietDrops(logging.Filter):
    """Leave out granian's report of an answer cut off on purpose (a `drop` fault): the
    access line and the journal already say so, without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, ConnectionDroppedError) and (
            ConnectionDroppedError.__name__ not in record.getMessage()
        )


def _granian_level(level: str) -> LogLevels:
    names = {"DEBUG": "debug", "INFO": "warning", "WARNING": "warning", "ERROR": "error"}
    return LogLevels(names.get(level, "warning"))


def _granian_logging() -> dict[str, Any]:
    """granian's own messages on stderr, so stdout's first line stays the `serving on` line;
    its start and stop chatter only at DEBUG (the app logs one line per request itself)."""
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "plain",
        "filters": ["drops"],
    }
    return {
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s granian: %(message)s"}},
        "filters": {"drops": {"()": QuietDrops}},
        "handlers": {"console": handler, "access": handler},
        "loggers": {
            "_granian": {"handlers": ["console"], "propagate": False},
            "granian.access": {"handlers": ["access"], "level": "WARNING", "propagate": False},
        },
    }
