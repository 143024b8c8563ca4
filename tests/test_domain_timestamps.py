"""ISO 8601 parsing as BEHAVIOUR.md §4 decides it."""

from datetime import datetime, timedelta, timezone

import pytest

from emulator.domain.timestamps import (
    InvalidTimestampError,
    format_utc,
    is_timestamp,
    parse_timestamp,
)

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-10-01T00:00:00Z", datetime(2022, 10, 1, tzinfo=UTC)),
        ("2022-10-01T00:00:00z", datetime(2022, 10, 1, tzinfo=UTC)),
        ("2022-10-01T02:30:00+02:30", datetime(2022, 10, 1, 0, 0, tzinfo=UTC)),
        ("2022-10-01T00:00:00-0100", datetime(2022, 10, 1, 1, 0, tzinfo=UTC)),
        ("2022-10-01T00:00:00", datetime(2022, 10, 1, tzinfo=UTC)),  # no offset: UTC
        ("2024-04-18", datetime(2024, 4, 18, tzinfo=UTC)),  # bare date: midnight UTC
        ("2022-10-01T10:20Z", datetime(2022, 10, 1, 10, 20, tzinfo=UTC)),
        ("2022-10-01 10:20:30Z", datetime(2022, 10, 1, 10, 20, 30, tzinfo=UTC)),
        ("2022-10-01T00:00:00.5Z", datetime(2022, 10, 1, 0, 0, 0, 500000, tzinfo=UTC)),
        ("2022-10-01T00:00:00.123456789Z", datetime(2022, 10, 1, 0, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_accepted_forms_normalise_to_utc(text: str, expected: datetime) -> None:
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "not a date",
        "",
        "2022-13-01T00:00:00Z",
        "2022-02-30",
        "2022-10-01T25:00:00Z",
        "2022-10-01T00:00:00+25:00",
        "2022-10-01Z",
        "20221001T000000Z",
        "2022-10-01T00:00:00Z ",
        "1664582400",
    ],
)
def test_unparseable_strings_are_refused(text: str) -> None:
    with pytest.raises(InvalidTimestampError):
        parse_timestamp(text)
    assert not is_timestamp(text)


def test_is_timestamp_refuses_non_strings() -> None:
    assert not is_timestamp(1664582400)
    assert is_timestamp("2024-04-18")


def test_format_utc_renders_z_and_milliseconds_only_when_present() -> None:
    assert format_utc(datetime(2022, 10, 1, 2, tzinfo=timezone(timedelta(hours=2)))) == (
        "2022-10-01T00:00:00Z"
    )
    assert format_utc(datetime(2022, 10, 1, 0, 0, 0, 250000, tzinfo=UTC)) == (
        "2022-10-01T00:00:00.250Z"
    )
