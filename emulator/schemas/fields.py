"""Field types shared by the schemas: instants, comma-separated lists."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from marshmallow import ValidationError, fields

from emulator.domain.durations import InvalidDurationError, parse_duration
from emulator.domain.timestamps import InvalidTimestampError, format_utc, parse_timestamp

MAX_LISTED = 25  # Sequence: "Comma-separated, max 25"
_ASCII_INTEGER = re.compile(r"-?[0-9]+")


class Instant(fields.Field):  # type: ignore[type-arg]
    """An ISO 8601 string read as an aware datetime, written as UTC with `Z`."""

    def __init__(self, *, precise: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.precise = precise

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format_utc(value, self.precise)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> datetime:
        if not isinstance(value, str):
            raise ValidationError("Not an ISO 8601 date-time")
        try:
            return parse_timestamp(value)
        except InvalidTimestampError as error:
            raise ValidationError(str(error)) from None


class TimestampText(fields.String):
    """An ISO 8601 date-time kept as the string sent (Sequence echoes it), checked readable."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        try:
            parse_timestamp(text)
        except InvalidTimestampError as error:
            raise ValidationError(str(error)) from None
        return text


class Duration(fields.Field):  # type: ignore[type-arg]
    """An ISO 8601 duration (`PT1H`, `-P1D`) read as a timedelta."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> timedelta:
        try:
            return parse_duration(str(value))
        except InvalidDurationError as error:
            raise ValidationError(str(error)) from None


class QueryInteger(fields.Integer):
    """An integer in a query string, in ASCII digits: int() reads fullwidth or Arabic-Indic too."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> int:
        if isinstance(value, str) and _ASCII_INTEGER.fullmatch(value) is None:
            raise ValidationError("Not an integer in ASCII digits (0-9)")
        result: int = super()._deserialize(value, attr, data, **kwargs)
        return result


class CommaSeparated(fields.Field):  # type: ignore[type-arg]
    """`a,b,c` read as a set of at most 25 non-empty values."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> frozenset[str]:
        values = [part.strip() for part in str(value).split(",")]
        if not all(values):
            raise ValidationError("Empty value in a comma-separated list")
        if len(values) > MAX_LISTED:
            raise ValidationError(f"At most {MAX_LISTED} comma-separated values, got {len(values)}")
        return frozenset(values)
