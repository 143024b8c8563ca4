"""Balances: the event in force per series, and customers assembled from them (BEHAVIOUR.md §6)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from emulator.domain.balances import BalanceFilter, SeatSeries, customer_balances
from emulator.domain.customers import implicit_customer_id
from emulator.domain.seat_events import SeatEvent

T0 = datetime(2024, 4, 1, tzinfo=timezone.utc)


def event(n: int, day: int, total: int, alias: str = "acme", seat_type: str = "admin") -> SeatEvent:
    """Event `n` (ids sort by n, as arrival does), dated `day` days after T0."""
    when = T0 + timedelta(days=day)
    return SeatEvent(
        id=f"{n:08d}",
        account_id="account",
        customer_event_id=f"e{n}",
        customer_alias=alias,
        seat_type=seat_type,
        event_timestamp=when.isoformat(),
        event_time=when,
        total=total,
        created_at=T0,
    )


def test_the_latest_dated_event_at_or_before_the_instant_is_in_force() -> None:
    series = SeatSeries()
    for e in (event(1, 0, 5), event(2, 10, 7), event(3, 5, 6)):  # out of order
        series.add(e)
    assert series.in_force(T0 - timedelta(seconds=1)) is None
    assert series.in_force(T0) == event(1, 0, 5)
    assert series.in_force(T0 + timedelta(days=7)) == event(3, 5, 6)
    assert series.in_force(T0 + timedelta(days=10)) == event(2, 10, 7)


def test_ties_on_timestamp_go_to_the_later_received_whatever_the_insertion_order() -> None:
    series = SeatSeries()
    series.add(event(2, 3, 20))
    series.add(event(1, 3, 10))  # received earlier (smaller id), inserted later, e.g. by a seed
    assert series.in_force(T0 + timedelta(days=3)) == event(2, 3, 20)


def test_removing_a_superseded_version_falls_back_to_the_previous_event() -> None:
    series = SeatSeries()
    series.add(event(1, 0, 5))
    series.add(event(2, 1, 9))
    series.remove(event(2, 1, 9))
    assert series.in_force(T0 + timedelta(days=2)) == event(1, 0, 5)
    series.remove(event(1, 0, 5))
    assert len(series) == 0


def test_customers_are_implicit_per_alias_sorted_and_summed() -> None:
    in_force = {
        "globex": [event(1, 0, 2, "globex")],
        "acme": [event(2, 0, 3, "acme", "admin"), event(3, 4, 4, "acme", "viewer")],
    }
    acme, globex = customer_balances("account", in_force, BalanceFilter())
    assert (acme.legal_name, acme.aliases, acme.total) == ("acme", ("acme",), 7)
    assert acme.id == implicit_customer_id("account", "acme") != globex.id
    assert acme.change_time == T0 + timedelta(days=4)
    assert [b.seat_type for b in acme.balances] == ["admin", "viewer"]


def test_filters_keep_by_alias_id_and_quantity() -> None:
    in_force = {"a": [event(1, 0, 0, "a")], "b": [event(2, 0, 1, "b")]}

    def names(keep: BalanceFilter) -> list[str]:
        return [c.legal_name for c in customer_balances("account", in_force, keep)]

    assert names(BalanceFilter(exclude_zero=True)) == ["b"]
    assert names(BalanceFilter(aliases=frozenset({"a", "zzz"}))) == ["a"]
    assert names(BalanceFilter(customer_ids=frozenset({implicit_customer_id("account", "b")}))) == [
        "b"
    ]


def test_implicit_customer_ids_are_stable_and_per_account() -> None:
    assert implicit_customer_id("a1", "acme") == implicit_customer_id("a1", "acme")
    assert implicit_customer_id("a1", "acme") != implicit_customer_id("a2", "acme")
