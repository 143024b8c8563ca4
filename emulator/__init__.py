"""A local emulator of Sequence's seat-billing API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"
__all__ = ["EmulatorServer", "Settings", "__version__", "create_app"]

if TYPE_CHECKING:
    from emulator.app import create_app
    from emulator.config import Settings
    from emulator.server import EmulatorServer

_LAZY = {
    "create_app": "emulator.app",
    "EmulatorServer": "emulator.server",
    "Settings": "emulator.config",
}


def __getattr__(name: str) -> Any:
    """Import public names on first use, so `import emulator` stays cheap (pytest loads it)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'emulator' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)
