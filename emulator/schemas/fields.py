"""Field types shared by the schemas: instants, comma-separated lists."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from marshmallow import ValidationError, fields

from emulator.domain.durations import InvalidDurationError, parse_duration
from emulator.domain.timestamps import InvalidTimestampError, format_utc, parse_timestamp

T = TypeVar("T")
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


def consumed(items: list[T]) -> Iterator[T]:
    """The items in order, each let go by the list as it is handed out."""
    items.reverse()
    while items:
        yield items.pop()


class ConsumedList(fields.List):  # type: ignore[type-arg]
    """A list whose items are let go as they are loaded: a state document's events are held
    once (as parsed JSON, then as loaded fields), never twice over (BEHAVIOUR.md §9)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        loaded: list[Any] = []
        errors: dict[int, Any] = {}
        for index, item in enumerate(consumed(value)):
            try:
                loaded.append(self.inner.deserialize(item, **kwargs))
            except ValidationError as error:
                if error.valid_data is not None:
                    loaded.append(error.valid_data)
                errors[index] = error.messages
        if errors:
            raise ValidationError(errors, valid_data=loaded)
        return loaded
