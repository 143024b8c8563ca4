"""The emulator clock: system time, frozen, moved (BEHAVIOUR.md §8)."""

from datetime import datetime, timedelta, timezone

from emulator.domain.clock import Clock

INSTANT = datetime(2024, 4, 18, tzinfo=timezone.utc)


def test_follows_its_source_until_frozen() -> None:
    clock = Clock(source=lambda: INSTANT)
    assert clock.now() == INSTANT
    assert not clock.frozen


def test_freeze_advance_and_resume() -> None:
    clock = Clock(source=lambda: INSTANT)
    clock.freeze(datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert clock.frozen
    clock.advance(timedelta(days=1))
    assert clock.now() == datetime(2030, 1, 2, tzinfo=timezone.utc)
    clock.resume()
    assert clock.now() == INSTANT


def test_advance_while_running_offsets_the_source() -> None:
    clock = Clock(source=lambda: INSTANT)
    clock.advance(timedelta(hours=2))
    assert clock.now() == INSTANT + timedelta(hours=2)


def test_system_clock_is_utc_aware() -> None:
    assert Clock().now().utcoffset() == timedelta(0)
