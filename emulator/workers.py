"""Serving with several worker processes that share a SQLite store, through gunicorn.

gunicorn is an optional extra (`pip install 'sequence-emulator[workers]'`): the default single
process needs nothing beyond werkzeug. Each worker builds its own app after the fork, so each
opens its own connections to the SQLite file; the master only binds the socket.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from emulator.config import ConfigError, Settings

logger = logging.getLogger(__name__)


def check_workers(settings: Settings, workers: int) -> None:
    """Refuse what cannot work: several processes need a shared store, and gunicorn."""
    if workers > 1 and settings.store == "memory":
        raise ConfigError(
            f"--workers {workers} needs --store sqlite:PATH or postgresql://...: the memory "
            "store lives in one process, so workers would not see each other's events"
        )
    if importlib.util.find_spec("gunicorn") is None:
        raise ConfigError("--workers needs gunicorn: pip install 'sequence-emulator[workers]'")


def check_start(settings: Settings) -> Settings:
    """Refuse here, once, what every worker would refuse after the fork (a seed that is not a
    valid state document, a store that cannot be opened), and import the seed here, once: a
    worker importing it would replace what an earlier worker had already acknowledged. The
    workers' settings, with no seed left to import."""
    from emulator.app import build_services

    build_services(settings, None, None).close()  # reads and imports the seed, if any
    return replace(settings, seed=None)


def serve_with_workers(settings: Settings, workers: int, announce: Callable[[str], None]) -> int:
    """Serve with `workers` gunicorn processes (threads within each) until stopped."""
    from gunicorn.app.base import BaseApplication

    class _Emulator(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": f"{settings.host}:{settings.port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": 8,
                "accesslog": None,  # the app writes one access line per request
                "loglevel": settings.log_level.lower(),
                "when_ready": lambda server: announce(_bound_url(server)),
                "graceful_timeout": 5,
                # gunicorn 23+ opens a control socket in $HOME; several emulators would collide.
                "control_socket_disable": True,
            }
            for key, value in options.items():
                if key in self.cfg.settings:  # older gunicorn releases lack some settings
                    self.cfg.set(key, value)

        def load(self) -> Any:
            from emulator.app import create_app

            return create_app(settings)

    _Emulator().run()
    return 0


def _bound_url(server: Any) -> str:
    host, port = server.LISTENERS[0].sock.getsockname()[:2]
    return f"http://{host}:{port}"
