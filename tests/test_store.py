"""Every engine: supersession applied atomically, accounts apart, reset, lists, balances, metrics.

The same tests run on SQLite in memory, an SQLite file and PostgreSQL; a property test replays
random operations on SQLite and PostgreSQL and asks both for the same pages, events and balances.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from conftest import STORE_KINDS, NewStore
from hypothesis import given, settings
from hypothesis import strategies as st
from postgres import PostgresDatabases

from emulator.domain.clock import Clock
from emulator.domain.customers import Address, CustomerDraft, implicit_customer_id
from emulator.domain.ids import IdGenerator, uuid7_from_parts
from emulator.domain.pages import Page, PageRequest
from emulator.domain.seat_event_query import (
    SeatEventFilter,
    SeatEventKey,
    SeatEventQuery,
    SortBy,
    micros,
    sort_key,
)
from emulator.domain.seat_events import Minted, SeatEvent, SeatEventDraft
from emulator.domain.seat_metrics import (
    DuplicateSeatTypeError,
    ImmutableSeatTypeError,
    SeatMetricDraft,
    SeatMetricUpdate,
)
from emulator.domain.timestamps import parse_timestamp
from emulator.rules import Store
from emulator.rules import open_store as open_spec

INSTANT = datetime(2024, 5, 1, tzinfo=timezone.utc)


@pytest.fixture
def store(store_spec: str) -> Iterator[Store]:
    """A fresh, empty store of each kind (SQLite on a new file, a new PostgreSQL database)."""
    with open_spec(store_spec) as opened:
        yield opened


def mint_from(clock: Clock) -> Callable[[], Minted]:
    new_id = IdGenerator(clock.now)
    return lambda: Minted(new_id(), clock.now())


def draft(
    total: int = 1,
    alias: str = "acme",
    event_id: str | None = "evt-1",
    seat_type: str = "admin",
    timestamp: str = "2024-04-18T00:00:00Z",
) -> SeatEventDraft:
    return SeatEventDraft(alias, seat_type, timestamp, total, event_id)


def test_each_store_satisfies_the_protocol(store: Store, store_kind: str) -> None:
    assert store.kind == store_kind


def test_save_then_fetch_by_id(store: Store) -> None:
    mint = mint_from(Clock())
    event, created = store.save_seat_event("a1", draft(), mint)
    assert created
    assert store.seat_event("a1", event.id) == event
    assert store.current_seat_event("a1", "evt-1") == event
    assert store.current_seat_event("a2", "evt-1") is None


def test_a_stored_event_keeps_every_field_and_its_instants_in_utc(store: Store) -> None:
    created_at = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=timezone.utc)
    minted = Minted(uuid7_from_parts(1_714_566_615_123, 7), created_at)
    sent = draft(timestamp="2024-04-18T02:00:00.5+02:00", event_id="evt-tz")
    event, _ = store.save_seat_event("a1", sent, lambda: minted)
    fetched = store.seat_event("a1", event.id)
    assert fetched == event
    assert fetched.event_timestamp == "2024-04-18T02:00:00.5+02:00"  # echoed as sent
    assert fetched.event_time == datetime(2024, 4, 18, 0, 0, 0, 500000, tzinfo=timezone.utc)
    assert fetched.event_time.utcoffset() == timedelta(0)
    assert fetched.created_at == created_at and fetched.created_at.utcoffset() == timedelta(0)


def test_a_retry_stores_nothing_and_returns_the_stored_event(store: Store) -> None:
    mint = mint_from(Clock())
    first, _ = store.save_seat_event("a1", draft(), mint)
    again, created = store.save_seat_event("a1", draft(), mint)
    assert (again, created) == (first, False)
    assert store.count_seat_events("a1") == 1


def test_a_retry_may_spell_the_same_instant_differently(store: Store) -> None:
    mint = mint_from(Clock())
    first, _ = store.save_seat_event("a1", draft(timestamp="2024-04-18"), mint)
    again, created = store.save_seat_event("a1", draft(timestamp="2024-04-18T02:00+02:00"), mint)
    assert (again, created) == (first, False)
    assert again.event_timestamp == "2024-04-18"


def test_a_change_supersedes_and_the_old_version_stays_retrievable(store: Store) -> None:
    mint = mint_from(Clock())
    first, _ = store.save_seat_event("a1", draft(total=1), mint)
    second, created = store.save_seat_event("a1", draft(total=2), mint)
    assert created and second.id != first.id
    assert store.seat_event("a1", first.id) == first
    assert store.current_seat_event("a1", "evt-1") == second
    assert store.count_seat_events("a1") == 2


def test_a_chain_and_a_history_hold_every_version_in_the_order_received(store: Store) -> None:
    mint = mint_from(Clock())
    first, _ = store.save_seat_event("a1", draft(total=1), mint)
    second, _ = store.save_seat_event("a1", draft(total=2, alias="VOID"), mint)
    other, _ = store.save_seat_event("a1", draft(alias="beta", event_id="evt-2"), mint)
    store.save_seat_event("a2", draft(total=9), mint)
    assert store.seat_event_versions("a1", "evt-1") == [first, second]
    assert store.seat_event_versions("a1", "evt-3") == []
    # The VOID version that replaced acme's event belongs to acme's history.
    assert store.seat_event_history("a1", ["acme"]) == [first, second]
    assert store.seat_event_history("a1", ["acme", "beta"]) == [first, second, other]
    assert store.seat_event_history("a1", []) == []


def test_accounts_are_apart(store: Store) -> None:
    mint = mint_from(Clock())
    mine, _ = store.save_seat_event("a1", draft(), mint)
    theirs, created = store.save_seat_event("a2", draft(), mint)
    assert created and theirs.id != mine.id  # same customerEventId, another account
    assert store.seat_event("a2", mine.id) is None


def test_reset_one_account_or_all(store: Store) -> None:
    mint = mint_from(Clock())
    store.save_seat_event("a1", draft(), mint)
    store.save_seat_event("a2", draft(), mint)
    store.reset("a1")
    assert (store.count_seat_events("a1"), store.count_seat_events()) == (0, 1)
    store.reset()
    assert store.count_seat_events() == 0


def test_reset_forgets_lists_balances_and_metrics(store: Store) -> None:
    mint = mint_from(Clock())
    for account in ("a1", "a2"):
        store.save_seat_event(account, draft(), mint)
        store.create_seat_metric(account, SeatMetricDraft("admin", "Admins"), mint)
    store.reset("a1")
    assert list_all(store, "a1") == [] and store.seat_events_in_force("a1", INSTANT) == {}
    assert store.list_seat_metrics("a1", PageRequest()).items == []
    store.create_seat_metric("a1", SeatMetricDraft("admin", "Admins"), mint)  # free again
    assert len(list_all(store, "a2")) == 1 and store.seat_events_in_force("a2", INSTANT)
    assert len(store.list_seat_metrics("a2", PageRequest()).items) == 1


def test_events_without_customer_event_id_never_collide(store: Store) -> None:
    mint = mint_from(Clock())
    first, _ = store.save_seat_event("a1", draft(event_id=None), mint)
    second, created = store.save_seat_event("a1", draft(event_id=None), mint)
    assert created and first.customer_event_id != second.customer_event_id


def test_concurrent_versions_of_one_event_leave_exactly_one_effective(store: Store) -> None:
    clock = Clock()
    clock.freeze(INSTANT)
    mint = mint_from(clock)
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
    assert [e.id for e in list_all(store, "a1")] == [effective.id]


def test_balances_of_many_events_are_the_latest_per_series(store: Store) -> None:
    # That no event is scanned is proven by the query plan (tests/test_store_sqlite.py).
    clock = Clock()
    clock.freeze(INSTANT)
    mint = mint_from(clock)
    for n in range(500):  # each one its own transaction, synced to disk by SQLite
        store.save_seat_event("a1", draft(total=n, alias=f"c{n % 2}", event_id=f"e{n}"), mint)
    in_force = store.seat_events_in_force("a1", INSTANT)
    assert {alias: [e.total for e in events] for alias, events in in_force.items()} == {
        "c0": [498],
        "c1": [499],
    }


def totals_in_force(store: Store, at: datetime) -> dict[str, dict[str, int]]:
    return {
        alias: {event.seat_type: event.total for event in events}
        for alias, events in store.seat_events_in_force("a1", at).items()
    }


def test_balances_follow_time_supersession_and_void(store: Store) -> None:
    mint = mint_from(Clock())
    store.save_seat_event("a1", draft(5, "acme", "e1", "admin", "2024-04-01"), mint)
    store.save_seat_event("a1", draft(7, "acme", "e2", "admin", "2024-04-10"), mint)
    store.save_seat_event("a1", draft(2, "acme", "e3", "viewer", "2024-04-05"), mint)
    store.save_seat_event("a1", draft(9, "acme", "e4", "admin", "2024-06-01"), mint)  # future
    store.save_seat_event("a1", draft(1, "globex", "e5", "admin", "2024-04-01"), mint)
    store.save_seat_event("a2", draft(4, "acme", "e1", "admin", "2024-04-01"), mint)
    assert totals_in_force(store, INSTANT) == {
        "acme": {"admin": 7, "viewer": 2},
        "globex": {"admin": 1},
    }
    assert totals_in_force(store, datetime(2024, 4, 3, tzinfo=timezone.utc)) == {
        "acme": {"admin": 5},
        "globex": {"admin": 1},
    }
    assert totals_in_force(store, datetime(2024, 3, 1, tzinfo=timezone.utc)) == {}
    store.save_seat_event("a1", draft(1, "VOID", "e5", "admin", "2024-04-01"), mint)  # removed
    store.save_seat_event("a1", draft(3, "acme", "e3", "seats", "2024-04-05"), mint)  # moved
    assert totals_in_force(store, INSTANT) == {"acme": {"admin": 7, "seats": 3}}


def test_ties_on_the_instant_go_to_the_later_received(store: Store) -> None:
    mint = mint_from(Clock())
    store.save_seat_event("a1", draft(1, event_id="e1", timestamp="2024-04-18"), mint)
    store.save_seat_event("a1", draft(2, event_id="e2", timestamp="2024-04-18T00:00Z"), mint)
    store.save_seat_event("a1", draft(3, event_id="e1", timestamp="2024-04-18"), mint)
    assert totals_in_force(store, INSTANT) == {"acme": {"admin": 3}}


def list_all(
    store: Store, account: str, wanted: SeatEventFilter | None = None, limit: int = 100
) -> list[SeatEvent]:
    query = SeatEventQuery(wanted or SeatEventFilter(), SortBy.CREATED_AT, PageRequest(limit))
    return store.list_seat_events(account, query).items


def test_lists_hide_superseded_versions_and_other_accounts(store: Store) -> None:
    mint = mint_from(Clock())
    store.save_seat_event("a1", draft(1, event_id="e1"), mint)
    second, _ = store.save_seat_event("a1", draft(2, event_id="e2"), mint)
    third, _ = store.save_seat_event("a1", draft(3, event_id="e1"), mint)
    store.save_seat_event("a2", draft(4, event_id="e1"), mint)
    page = store.list_seat_events(
        "a1", SeatEventQuery(SeatEventFilter(), SortBy.CREATED_AT, PageRequest())
    )
    assert (page.items, page.has_before, page.has_after, page.total) == (
        [third, second],
        False,
        False,
        2,
    )


def test_list_filters(store: Store) -> None:
    mint = mint_from(Clock())
    acme, _ = store.save_seat_event("a1", draft(1, "acme", "e1", "admin", "2024-04-01"), mint)
    globex, _ = store.save_seat_event("a1", draft(2, "globex", "e2", "viewer", "2024-04-10"), mint)
    void, _ = store.save_seat_event("a1", draft(3, "VOID", "e3", "admin", "2024-04-20"), mint)

    def ids(**fields: object) -> list[str]:
        return [e.id for e in reversed(list_all(store, "a1", SeatEventFilter(**fields)))]  # type: ignore[arg-type]

    april_10 = datetime(2024, 4, 10, tzinfo=timezone.utc)
    assert ids(customer_alias="globex") == [globex.id]
    assert ids(seat_types=frozenset({"admin"})) == [acme.id, void.id]
    assert ids(customer_event_id="e3") == [void.id]
    assert ids(at_or_after=april_10) == [globex.id, void.id]
    assert ids(before=april_10) == [acme.id]
    assert ids(customer_ids=frozenset({"acme", implicit_customer_id("a1", "VOID")})) == [
        acme.id,
        void.id,
    ]
    assert ids(customer_ids=frozenset({implicit_customer_id("a2", "acme")})) == []
    assert ids(seat_types=frozenset()) == []
    page = store.list_seat_events(
        "a1",
        SeatEventQuery(
            SeatEventFilter(seat_types=frozenset({"admin"})), SortBy.CREATED_AT, PageRequest(1)
        ),
    )
    assert (page.items, page.has_before, page.has_after, page.total) == ([void], False, True, 2)


def test_seat_metrics_create_fetch_update_delete(store: Store) -> None:
    clock = Clock()
    clock.freeze(INSTANT)
    mint = mint_from(clock)
    admins = store.create_seat_metric("a1", SeatMetricDraft("admin", "Admins", "People"), mint)
    assert (admins.account_id, admins.seat_type, admins.label, admins.description) == (
        "a1",
        "admin",
        "Admins",
        "People",
    )
    assert admins.created_at == admins.updated_at == INSTANT and admins.created_by is None
    assert store.seat_metric("a1", admins.id) == admins
    assert store.seat_metric("a2", admins.id) is None
    with pytest.raises(DuplicateSeatTypeError):
        store.create_seat_metric("a1", SeatMetricDraft("admin", "Again"), mint)
    other = store.create_seat_metric("a2", SeatMetricDraft("admin", "Theirs"), mint)  # apart

    later = INSTANT + timedelta(hours=1, microseconds=7)
    updated = store.update_seat_metric("a1", admins.id, SeatMetricUpdate("Admins!", None), later)
    assert updated is not None and (updated.label, updated.description) == ("Admins!", None)
    assert (updated.created_at, updated.updated_at) == (INSTANT, later)
    assert store.seat_metric("a1", admins.id) == updated
    with pytest.raises(ImmutableSeatTypeError):
        store.update_seat_metric("a1", admins.id, SeatMetricUpdate("X", None, "viewer"), later)
    assert store.seat_metric("a1", admins.id) == updated
    assert store.update_seat_metric("a1", "nope", SeatMetricUpdate("X"), later) is None
    assert store.update_seat_metric("a2", admins.id, SeatMetricUpdate("X"), later) is None

    assert store.delete_seat_metric("a2", admins.id) is None
    assert store.delete_seat_metric("a1", admins.id) == updated
    assert store.delete_seat_metric("a1", admins.id) is None
    assert store.seat_metric("a1", admins.id) is None
    assert store.create_seat_metric("a1", SeatMetricDraft("admin", "Back"), mint).label == "Back"
    assert store.seat_metric("a2", other.id) == other


def test_seat_metrics_list_newest_first_in_pages(store: Store) -> None:
    mint = mint_from(Clock())
    metrics = [
        store.create_seat_metric("a1", SeatMetricDraft(f"type-{n}", f"Type {n}"), mint)
        for n in range(5)
    ]
    store.create_seat_metric("a2", SeatMetricDraft("elsewhere", "Elsewhere"), mint)
    newest_first = metrics[::-1]
    first = store.list_seat_metrics("a1", PageRequest(2))
    assert (first.items, first.has_before, first.has_after, first.total) == (
        newest_first[:2],
        False,
        True,
        5,
    )
    second = store.list_seat_metrics("a1", PageRequest(2, after=first.items[-1].id))
    assert (second.items, second.has_before, second.has_after) == (newest_first[2:4], True, True)
    back = store.list_seat_metrics("a1", PageRequest(2, before=second.items[0].id))
    assert (back.items, back.has_before, back.has_after) == (newest_first[:2], False, True)
    oldest = store.list_seat_metrics("a1", PageRequest(3, descending=False))
    assert oldest.items == metrics[:3]


def test_accounts_and_metrics_are_counted(store: Store) -> None:
    mint = mint_from(Clock())
    assert (store.account_ids(), store.count_seat_metrics()) == ([], 0)
    store.save_seat_event("b", draft(), mint)
    store.create_seat_metric("a", SeatMetricDraft("admin", "Admins"), mint)
    store.create_seat_metric("a", SeatMetricDraft("viewer", "Viewers"), mint)
    store.create_seat_metric("c", SeatMetricDraft("admin", "Admins"), mint)
    assert store.account_ids() == ["a", "b", "c"]
    assert (store.count_seat_metrics("a"), store.count_seat_metrics()) == (2, 3)
    store.reset("a")
    assert store.account_ids() == ["b", "c"]


def fill(store: Store, mint: Callable[[], Minted]) -> None:
    """Two accounts with superseded versions, balances and metrics."""
    store.save_seat_event("a1", draft(1, "acme", "e1", "admin", "2024-04-01"), mint)
    store.save_seat_event("a1", draft(2, "globex", "e2", "viewer", "2024-04-02T10:00+02:00"), mint)
    store.save_seat_event("a1", draft(3, "acme", "e1", "seats", "2024-04-03"), mint)
    store.save_seat_event("a2", draft(4, "acme", "e1", "admin", "2024-04-01"), mint)
    store.create_seat_metric("a1", SeatMetricDraft("admin", "Admins", "People"), mint)
    store.create_seat_metric("a1", SeatMetricDraft("seats", "Seats"), mint)
    store.create_seat_metric("a2", SeatMetricDraft("admin", "Admins"), mint)


@pytest.mark.parametrize("target_kind", STORE_KINDS)
def test_an_export_imports_into_every_engine_unchanged(
    store: Store, target_kind: str, new_store_spec: NewStore
) -> None:
    fill(store, mint_from(Clock()))
    exported = store.export_accounts()
    assert [state.account_id for state in exported] == ["a1", "a2"]
    assert [len(state.seat_events) for state in exported] == [3, 1]
    assert [e.id for e in exported[0].seat_events] == sorted(e.id for e in exported[0].seat_events)
    target = open_spec(new_store_spec(target_kind))
    try:
        target.save_seat_event("gone", draft(), mint_from(Clock()))
        target.import_accounts(exported)
        assert target.export_accounts() == exported
        assert target.account_ids() == ["a1", "a2"]
        assert totals_in_force(target, INSTANT) == totals_in_force(store, INSTANT)
        assert list_all(target, "a1") == list_all(store, "a1")
        assert target.current_seat_event("a1", "e1") == store.current_seat_event("a1", "e1")
        assert store.export_accounts("a2") == [exported[1]]
        assert store.export_accounts("nobody") == []
    finally:
        target.close()


def test_an_import_for_one_account_replaces_only_that_account(store: Store) -> None:
    mint = mint_from(Clock())
    fill(store, mint)
    a1, a2 = store.export_accounts()
    store.save_seat_event("a1", draft(9, "initech", "e9"), mint)
    store.import_accounts([a1, replace(a2, seat_events=())], account_id="a1")
    assert store.export_accounts() == [a1, a2]
    store.import_accounts([replace(a2, seat_events=())], account_id="a2")
    assert store.export_accounts("a2") == [replace(a2, seat_events=())]
    store.import_accounts([a2])
    assert store.account_ids() == ["a2"]


def test_imported_versions_are_replayed_in_id_order(store: Store) -> None:
    mint = mint_from(Clock())
    versions = [store.save_seat_event("a1", draft(n), mint)[0] for n in range(3)]
    (state,) = store.export_accounts()
    store.import_accounts([replace(state, seat_events=tuple(reversed(versions)))])
    assert store.current_seat_event("a1", "evt-1") == versions[-1]
    assert list_all(store, "a1") == [versions[-1]]
    assert totals_in_force(store, INSTANT) == {"acme": {"admin": 2}}
    assert [store.seat_event("a1", v.id) for v in versions] == versions


# The same random operations on both stores give the same answers.

BASE_MS = 1_714_521_600_000
ALIASES = ["acme", "globex", "VOID"]
SEAT_TYPES = ["admin", "viewer"]
TIMESTAMPS = [
    "2024-04-18",
    "2024-04-18T00:00:00Z",
    "2024-04-18T02:00:00+02:00",
    "2024-04-17T23:59:59.999999Z",
    "2024-04-19T12:30:00.5Z",
    "2024-04-20T00:00:00Z",
    "2024-05-02T00:00:00Z",
]
INSTANTS = sorted({parse_timestamp(text) for text in TIMESTAMPS})
ACCOUNTS = ["a1", "a2"]
# In a1, a customer that "globex" is an alias of; events may also name it by its id.
CUSTOMER_ID = uuid7_from_parts(BASE_MS - 1, 0)
GLOBEX = CustomerDraft(
    "Globex", Address("1 Road", "London", "N1", "GB"), (), "TAXED", aliases=("globex",)
)


def with_customer(store: Store) -> Store:
    ids = iter([CUSTOMER_ID, uuid7_from_parts(BASE_MS - 1, 1)])
    store.create_customer("a1", GLOBEX, lambda: Minted(next(ids), INSTANT))
    return store


def id_of(n: int) -> str:
    """The id the n-th mint of a counting mint gives."""
    return uuid7_from_parts(BASE_MS + n // 3, n)


def counting_mint() -> Callable[[], Minted]:
    """Ids and times that depend only on how many were minted before: equal across stores."""
    counter = itertools.count()

    def mint() -> Minted:
        n = next(counter)
        return Minted(id_of(n), INSTANT + timedelta(microseconds=n))

    return mint


drafts = st.builds(
    SeatEventDraft,
    st.sampled_from([*ALIASES, CUSTOMER_ID]),
    st.sampled_from(SEAT_TYPES),
    st.sampled_from(TIMESTAMPS),
    st.integers(0, 3),
    st.none() | st.sampled_from(["e1", "e2", "e3", "e4"]),
)
operations = st.lists(st.tuples(st.sampled_from(ACCOUNTS), drafts), max_size=20)
customer_ids = st.sampled_from(
    [
        *ALIASES,
        "other",
        CUSTOMER_ID,
        *(implicit_customer_id(a, alias) for a in ACCOUNTS for alias in [*ALIASES, CUSTOMER_ID]),
    ]
)
filters = st.builds(
    SeatEventFilter,
    customer_alias=st.none() | st.sampled_from([*ALIASES, "other"]),
    customer_ids=st.none() | st.frozensets(customer_ids, max_size=3),
    seat_types=st.none() | st.frozensets(st.sampled_from([*SEAT_TYPES, "other"]), max_size=2),
    customer_event_id=st.none() | st.sampled_from(["e1", "e3", "other"]),
    at_or_after=st.none() | st.sampled_from(INSTANTS),
    before=st.none() | st.sampled_from(INSTANTS),
)


def key_of(n: int, instant: datetime, sort_by: SortBy) -> SeatEventKey:
    """A cursor key, for an event that may or may not exist."""
    return id_of(n) if sort_by is SortBy.CREATED_AT else (micros(instant), id_of(n))


@st.composite
def queries(draw: st.DrawFn) -> SeatEventQuery:
    sort_by = draw(st.sampled_from(SortBy))
    keys = st.builds(key_of, st.integers(0, 25), st.sampled_from(INSTANTS), st.just(sort_by))
    cursor = draw(st.none() | keys)
    side = draw(st.sampled_from(["after", "before"]))
    page = PageRequest(
        limit=draw(st.integers(1, 4)),
        descending=draw(st.booleans()),
        after=cursor if side == "after" else None,
        before=cursor if side == "before" else None,
    )
    return SeatEventQuery(draw(filters), sort_by, page)


def walk(store: Store, account: str, query: SeatEventQuery) -> list[Page[SeatEvent]]:
    """The query's page, every page forward of it, and pages on either side of each one's ends."""
    limit, descending = query.page.limit, query.page.descending
    pages = [store.list_seat_events(account, query)]
    forward = pages[0]
    while forward.items and len(pages) < 40:
        first, last = (sort_key(forward.items[i], query.sort_by) for i in (0, -1))
        for key in dict.fromkeys([first, last]):  # the last request: after the last item
            for request in (
                PageRequest(limit, descending, before=key),
                PageRequest(limit, descending, after=key),
            ):
                pages.append(store.list_seat_events(account, replace(query, page=request)))
        if not forward.has_after:
            break
        forward = pages[-1]  # after the last item
    return pages


def normalised(in_force: dict[str, list[SeatEvent]]) -> dict[str, list[SeatEvent]]:
    return {alias: sorted(events, key=lambda e: e.seat_type) for alias, events in in_force.items()}


def assert_alike(memory: Store, sqlite: Store, minted: int) -> None:
    """Every read of both stores gives the same answer."""
    for account in ACCOUNTS:
        for instant in INSTANTS:
            assert normalised(memory.seat_events_in_force(account, instant)) == normalised(
                sqlite.seat_events_in_force(account, instant)
            )
        for key in ("e1", "e2", "e3", "e4"):
            assert memory.current_seat_event(account, key) == sqlite.current_seat_event(
                account, key
            )
        for n in range(minted + 1):
            assert memory.seat_event(account, id_of(n)) == sqlite.seat_event(account, id_of(n))
        assert memory.count_seat_events(account) == sqlite.count_seat_events(account)
        assert list_all(memory, account) == list_all(sqlite, account)
        aliases = [*ALIASES, CUSTOMER_ID, "other"]
        assert memory.alias_directory(account, aliases) == sqlite.alias_directory(account, aliases)
    assert memory.count_seat_events() == sqlite.count_seat_events()
    assert memory.account_ids() == sqlite.account_ids()
    assert memory.export_accounts() == sqlite.export_accounts()


@settings(max_examples=30, deadline=None)
@given(operations=operations, wanted=st.lists(queries(), min_size=1, max_size=4))
def test_sqlite_and_postgresql_answer_alike_after_the_same_operations(
    postgres_databases: PostgresDatabases,
    operations: list[tuple[str, SeatEventDraft]],
    wanted: list[SeatEventQuery],
) -> None:
    # One set of rules on two SQL dialects: orderings, filters and pages must not differ.
    database = postgres_databases.borrow()
    try:
        memory, sqlite = stores = [with_customer(open_spec(s)) for s in ("memory", database)]
        try:
            mints = [counting_mint() for _ in stores]
            for account, sent in operations:
                saved = [
                    s.save_seat_event(account, sent, m) for s, m in zip(stores, mints, strict=True)
                ]
                assert saved[0] == saved[1]
            for query in wanted:
                for account in ACCOUNTS:
                    assert walk(memory, account, query) == walk(sqlite, account, query)
            assert_alike(memory, sqlite, len(operations))
            sqlite.reset()
            sqlite.import_accounts(memory.export_accounts())
            assert_alike(memory, sqlite, len(operations))
        finally:
            for opened in stores:
                opened.close()
    finally:
        postgres_databases.give_back([database])
