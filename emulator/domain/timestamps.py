"""ISO 8601 timestamps as Sequence accepts them, parsed the same on every Python version."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

# [0-9], not \d: \d and int() also take other scripts' digits (Arabic-Indic, fullwidth).
_ISO_8601 = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[Tt ](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]{1,9}))?)?"
    r"(?P<offset>[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)


class InvalidTimestampError(ValueError):
    """A string that is not an ISO 8601 date or date-time."""


@lru_cache(maxsize=4096)  # a request reads its timestamp several times; datetimes are immutable
def parse_timestamp(text: str) -> datetime:
    """Parse an ISO 8601 date-time (UTC when it has no offset; a bare date is midnight UTC)."""
    match = _ISO_8601.fullmatch(text)
    if match is None:
        raise InvalidTimestampError(f"{text!r} is not an ISO 8601 date-time")
    try:
        return _build(match)
    except (ValueError, OverflowError) as error:  # overflow: beyond years 1-9999 in UTC
        raise InvalidTimestampError(f"{text!r} is not a valid date-time: {error}") from None


def is_timestamp(text: object) -> bool:
    """Whether `text` is a string that parse_timestamp accepts."""
    if not isinstance(text, str):
        return False
    try:
        parse_timestamp(text)
    except InvalidTimestampError:
        return False
    return True


def format_utc(instant: datetime, precise: bool = False) -> str:
    """Render an instant as UTC ISO 8601 with `Z`; milliseconds (or, precise, microseconds)
    only when there are any."""
    utc = instant if instant.tzinfo is timezone.utc else instant.astimezone(timezone.utc)
    # Not strftime: %Y does not pad years below 1000 on every platform (and it is slower).
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )
    if utc.microsecond:
        text += f".{utc.microsecond:06d}" if precise else f".{utc.microsecond // 1000:03d}"
    return text + "Z"


def _build(match: re.Match[str]) -> datetime:
    year, month, day = (int(part) for part in match["date"].split("-"))
    fraction = (match["fraction"] or "").ljust(6, "0")[:6]
    local = datetime(
        year,
        month,
        day,
        int(match["hour"] or 0),
        int(match["minute"] or 0),
        int(match["second"] or 0),
        int(fraction or 0),
        tzinfo=_offset(match["offset"]),
    )
    return local.astimezone(timezone.utc)


def _offset(text: str | None) -> timezone:
    if text is None or text in ("Z", "z"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
