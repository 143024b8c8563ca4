"""The memory store: supersession applied atomically, accounts apart, reset."""

import threading
from collections.abc import Callable
from datetime import datetime, timezone

from emulator.domain.clock import Clock
from emulator.domain.ids import IdGenerator
from emulator.domain.seat_events import Minted, SeatEventDraft
from emulator.store import MemoryStore, Store

INSTANT = datetime(2024, 5, 1, tzinfo=timezone.utc)


def mint_from(clock: Clock) -> Callable[[], Minted]:
    new_id = IdGenerator(clock.now)
    return lambda: Minted(new_id(), clock.now())


def draft(total: int = 1, alias: str = "acme", event_id: str | None = "evt-1") -> SeatEventDraft:
    return SeatEventDraft(alias, "admin", "2024-04-18T00:00:00Z", total, event_id)


def test_memory_store_satisfies_the_protocol() -> None:
    store: Store = MemoryStore()
    assert store.kind == "memory"


def test_save_then_fetch_by_id() -> None:
    store, mint = MemoryStore(), mint_from(Clock())
    event, created = store.save_seat_event("a1", draft(), mint)
    assert created
    assert store.seat_event("a1", event.id) == event
    assert store.current_seat_event("a1", "evt-1") == event
    assert store.current_seat_event("a2", "evt-1") is None


def test_a_retry_stores_nothing_and_returns_the_stored_event() -> None:
    store, mint = MemoryStore(), mint_from(Clock())
    first, _ = store.save_seat_event("a1", draft(), mint)
    again, created = store.save_seat_event("a1", draft(), mint)
    assert (again, created) == (first, False)
    assert store.count_seat_events("a1") == 1


def test_a_change_supersedes_and_the_old_version_stays_retrievable() -> None:
    store, mint = MemoryStore(), mint_from(Clock())
    first, _ = store.save_seat_event("a1", draft(total=1), mint)
    second, created = store.save_seat_event("a1", draft(total=2), mint)
    assert created and second.id != first.id
    assert store.seat_event("a1", first.id) == first
    assert store.current_seat_event("a1", "evt-1") == second
    assert store.count_seat_events("a1") == 2


def test_accounts_are_apart() -> None:
    store, mint = MemoryStore(), mint_from(Clock())
    mine, _ = store.save_seat_event("a1", draft(), mint)
    theirs, created = store.save_seat_event("a2", draft(), mint)
    assert created and theirs.id != mine.id  # same customerEventId, another account
    assert store.seat_event("a2", mine.id) is None


def test_reset_one_account_or_all() -> None:
    store, mint = MemoryStore(), mint_from(Clock())
    store.save_seat_event("a1", draft(), mint)
    store.save_seat_event("a2", draft(), mint)
    store.reset("a1")
    assert (store.count_seat_events("a1"), store.count_seat_events()) == (0, 1)
    store.reset()
    assert store.count_seat_events() == 0


def test_events_without_customer_event_id_never_collide() -> None:
    store, mint = MemoryStore(), mint_from(Clock())
    first, _ = store.save_seat_event("a1", draft(event_id=None), mint)
    second, created = store.save_seat_event("a1", draft(event_id=None), mint)
    assert created and first.customer_event_id != second.customer_event_id


def test_concurrent_versions_of_one_event_leave_exactly_one_effective() -> None:
    clock = Clock()
    clock.freeze(INSTANT)
    store, mint = MemoryStore(), mint_from(clock)
    barrier = threading.Barrier(50)
    results = []

    def post(total: int) -> None:
        barrier.wait()
        results.append(store.save_seat_event("a1", draft(total=total), mint))

    threads = [threading.Thread(target=post, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(created for _, created in results)
    ids = [event.id for event, _ in results]
    assert len(set(ids)) == 50
    effective = store.current_seat_event("a1", "evt-1")
    # Ids are minted under the store's lock, so the last stored is also the greatest.
    assert effective is not None and effective.id == max(ids)
    assert store.save_seat_event("a1", draft(total=effective.total), mint) == (effective, False)
    assert store.count_seat_events("a1") == 50


class _Untouchable(dict):  # type: ignore[type-arg]
    """A table that fails the test if anything scans it."""

    def values(self):  # type: ignore[no-untyped-def]
        raise AssertionError("the balance query scanned every event")

    def __iter__(self):  # type: ignore[no-untyped-def]
        raise AssertionError("the balance query scanned every event")

    items = values


def test_balances_come_from_the_series_index_not_from_a_scan_of_events() -> None:
    clock = Clock()
    clock.freeze(INSTANT)
    store, mint = MemoryStore(), mint_from(clock)
    for n in range(2000):
        store.save_seat_event("a1", draft(total=n, alias=f"c{n % 2}", event_id=f"e{n}"), mint)
    tables = store._accounts["a1"].seat_events
    tables.versions = _Untouchable(tables.versions)
    tables.effective = _Untouchable(tables.effective)
    in_force = store.seat_events_in_force("a1", INSTANT)
    assert {alias: [e.total for e in events] for alias, events in in_force.items()} == {
        "c0": [1998],
        "c1": [1999],
    }
