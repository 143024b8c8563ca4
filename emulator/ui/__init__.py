"""The dashboard at /_emulator/ui: the sandbox's events, balances and journal in a browser."""

from __future__ import annotations

from emulator.ui import journal, sandbox, seats, usage
from emulator.ui.pages import front_door, ui_blueprint
from emulator.ui.sections import Section

# The page's sections, in the order it shows them.
SECTIONS: tuple[Section, ...] = (
    *journal.SECTIONS,
    *seats.SECTIONS,
    *usage.SECTIONS,
    *sandbox.SECTIONS,
)

__all__ = ["SECTIONS", "Section", "front_door", "ui_blueprint"]
