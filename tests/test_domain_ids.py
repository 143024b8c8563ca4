"""UUIDv7 ids: version, time order, and strict monotonicity (BEHAVIOUR.md §4)."""

import threading
import uuid
from datetime import datetime, timedelta, timezone

from emulator.domain.clock import Clock
from emulator.domain.ids import IdGenerator

INSTANT = datetime(2024, 4, 18, 12, 0, tzinfo=timezone.utc)


def unix_ms(text: str) -> int:
    return uuid.UUID(text).int >> 80


def test_ids_are_uuid_version_7_with_the_rfc_variant() -> None:
    parsed = uuid.UUID(IdGenerator(lambda: INSTANT)())
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122


def test_ids_carry_the_clock_time_in_milliseconds() -> None:
    new_id = IdGenerator(lambda: INSTANT)
    assert unix_ms(new_id()) == int(INSTANT.timestamp() * 1000)


def test_ids_increase_strictly_on_a_frozen_clock() -> None:
    new_id = IdGenerator(lambda: INSTANT)
    ids = [new_id() for _ in range(1000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_ids_never_go_back_when_the_clock_does() -> None:
    clock = Clock()
    clock.freeze(INSTANT)
    new_id = IdGenerator(clock.now)
    first = new_id()
    clock.advance(timedelta(hours=-1))
    assert new_id() > first


def test_ids_follow_the_clock_forward() -> None:
    clock = Clock()
    clock.freeze(INSTANT)
    new_id = IdGenerator(clock.now)
    first = new_id()
    clock.advance(timedelta(seconds=1))
    later = new_id()
    assert unix_ms(later) - unix_ms(first) == 1000


def test_sequence_overflow_moves_to_the_next_millisecond() -> None:
    new_id = IdGenerator(lambda: INSTANT, randbits=lambda bits: (1 << 74) - 1)  # the very last
    ids = [new_id() for _ in range(3)]
    assert ids == sorted(ids)
    assert unix_ms(ids[-1]) == unix_ms(ids[0]) + 1


def test_ids_are_unique_and_increasing_per_thread_under_threads() -> None:
    new_id = IdGenerator(lambda: INSTANT)
    minted: list[list[str]] = [[] for _ in range(8)]

    def mint(into: list[str]) -> None:
        into.extend(new_id() for _ in range(500))

    threads = [threading.Thread(target=mint, args=(bucket,)) for bucket in minted]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for bucket in minted for i in bucket]
    assert len(set(every)) == len(every)
    assert all(bucket == sorted(bucket) for bucket in minted)
