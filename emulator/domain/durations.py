"""ISO 8601 durations (`PT1H30M`, `P2D`, `-PT5S`) for moving the clock."""

from __future__ import annotations

import re
from datetime import timedelta

# [0-9], not \d: float() would read other scripts' digits too.
_DURATION = re.compile(
    r"(?P<sign>[-+])?P(?!$)(?:(?P<weeks>[0-9]+)W)?(?:(?P<days>[0-9]+)D)?"
    r"(?:T(?=[0-9])(?:(?P<hours>[0-9]+)H)?(?:(?P<minutes>[0-9]+)M)?(?:(?P<seconds>[0-9]+(?:[.,][0-9]+)?)S)?)?"
)


class InvalidDurationError(ValueError):
    """A string that is not an ISO 8601 duration in weeks, days, hours, minutes, seconds."""


def parse_duration(text: str) -> timedelta:
    """Parse `[-]P[nW][nD][T[nH][nM][nS]]`; months and years are refused (their length varies)."""
    match = _DURATION.fullmatch(text.strip().upper())
    if match is None:
        raise InvalidDurationError(
            f"{text!r} is not an ISO 8601 duration such as PT1H30M or P2D (no months or years)"
        )
    parts = {
        k: float((v or "0").replace(",", ".")) for k, v in match.groupdict().items() if k != "sign"
    }
    try:
        duration = timedelta(**parts)
    except OverflowError:
        raise InvalidDurationError(f"{text!r} is longer than 999,999,999 days") from None
    return -duration if match["sign"] == "-" else duration
