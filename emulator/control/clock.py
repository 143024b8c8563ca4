"""The emulator clock: read it, freeze it, move it, let it run (BEHAVIOUR.md §8)."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from emulator.domain.timestamps import format_utc
from emulator.http.context import body, services
from emulator.http.errors import Problem, validation_error


def clock_json() -> dict[str, Any]:
    """The clock as the control plane shows it."""
    clock = services().clock
    return {"now": format_utc(clock.now(), precise=True), "frozen": clock.frozen}


def get_clock() -> ResponseReturnValue:
    """The emulator's now."""
    return clock_json()


def change_clock() -> ResponseReturnValue:
    """Freeze at an instant, then move by a duration (either or both)."""
    change = body()
    clock = services().clock
    if change["advance"] is not None:
        start = change["freeze_at"] or clock.now()
        try:
            start + change["advance"]
        except OverflowError:
            message = "Moving the clock that far leaves the years 1 to 9999"
            raise validation_error([Problem("body.advance", message)]) from None
    if change["freeze_at"] is not None:
        clock.freeze(change["freeze_at"])
    if change["advance"] is not None:
        clock.advance(change["advance"])
    return clock_json()


def resume_clock() -> ResponseReturnValue:
    """Back to the system's time."""
    services().clock.resume()
    return clock_json()
