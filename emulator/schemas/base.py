"""What the schemas share: the base of every schema that reads a request, and the way
responses leave out what has no value."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import EXCLUDE, Schema

from emulator.domain.timestamps import format_utc


class LenientSchema(Schema):
    """Unknown fields are ignored, as a tolerant server would (BEHAVIOUR.md §4)."""

    class Meta:
        unknown = EXCLUDE


def present(**values: Any) -> dict[str, Any]:
    """The keyword arguments that have a value: absent rather than null."""
    return {key: value for key, value in values.items() if value is not None}


def dump_time(value: datetime | None, *, precise: bool = False) -> str | None:
    """An instant as Sequence writes it (UTC, `Z`), or None; `precise` keeps microseconds."""
    return None if value is None else format_utc(value, precise)
