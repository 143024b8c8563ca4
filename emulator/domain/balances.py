"""Seat balances: the effective event in force per customer and seat type (BEHAVIOUR.md §6)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from emulator.domain.customers import AliasDirectory, CustomerRef, implicit_customer_id
from emulator.domain.seat_event_query import micros
from emulator.domain.seat_events import SeatEvent


class SeatSeries:
    """One alias and seat type: its effective events by eventTimestamp, then by arrival."""

    __slots__ = ("_events", "_times")

    def __init__(self) -> None:
        self._times: list[int] = []
        self._events: list[SeatEvent] = []

    def __len__(self) -> int:
        return len(self._events)

    def add(self, event: SeatEvent) -> None:
        """Insert in order; among equal timestamps the later received (greater id) goes last."""
        time = micros(event.event_time)
        index = bisect_right(self._times, time)
        while (
            index > 0 and self._times[index - 1] == time and self._events[index - 1].id > event.id
        ):
            index -= 1
        self._times.insert(index, time)
        self._events.insert(index, event)

    def remove(self, event: SeatEvent) -> None:
        """Take out a version that has been superseded."""
        time = micros(event.event_time)
        for index in range(bisect_left(self._times, time), bisect_right(self._times, time)):
            if self._events[index].id == event.id:
                del self._times[index], self._events[index]
                return

    def in_force(self, instant: datetime) -> SeatEvent | None:
        """The event with the greatest eventTimestamp at or before `instant`, if any."""
        index = bisect_right(self._times, micros(instant))
        return self._events[index - 1] if index else None


@dataclass(frozen=True)
class SeatBalance:
    """One seat type's balance for a customer."""

    seat_type: str
    total: int
    change_time: datetime


@dataclass(frozen=True)
class CustomerSeatBalances:
    """A customer's balances across seat types."""

    id: str
    account_id: str
    legal_name: str
    aliases: tuple[str, ...]
    balances: tuple[SeatBalance, ...]

    @property
    def total(self) -> int:
        """The sum over seat types."""
        return sum(balance.total for balance in self.balances)

    @property
    def change_time(self) -> datetime:
        """When any of the customer's seats last changed."""
        return max(balance.change_time for balance in self.balances)


@dataclass(frozen=True)
class BalanceFilter:
    """The filters of GET /seat-balances; None means 'any'."""

    aliases: frozenset[str] | None = None
    customer_ids: frozenset[str] | None = None
    exclude_zero: bool = False

    def keeps(self, customer: CustomerSeatBalances) -> bool:
        """Whether `customer` passes every filter."""
        return (
            (self.aliases is None or not self.aliases.isdisjoint(customer.aliases))
            and (self.customer_ids is None or customer.id in self.customer_ids)
            and not (self.exclude_zero and customer.total == 0)
        )


def _by_seat_type(in_force: Iterable[SeatEvent]) -> tuple[SeatBalance, ...]:
    """One balance per seat type: the latest event, then the later received (BEHAVIOUR.md §6)."""
    latest: dict[str, SeatEvent] = {}
    for event in in_force:
        known = latest.get(event.seat_type)
        if known is None or (event.event_time, event.id) > (known.event_time, known.id):
            latest[event.seat_type] = event
    return tuple(
        SeatBalance(event.seat_type, event.total, event.event_time)
        for _, event in sorted(latest.items())
    )


def implicit_customer(
    account_id: str, alias: str, in_force: Iterable[SeatEvent]
) -> CustomerSeatBalances:
    """An unmapped alias as its own customer, named after itself."""
    return CustomerSeatBalances(
        id=implicit_customer_id(account_id, alias),
        account_id=account_id,
        legal_name=alias,
        aliases=(alias,),
        balances=_by_seat_type(in_force),
    )


def real_customer(
    account_id: str, customer: CustomerRef, in_force: Iterable[SeatEvent]
) -> CustomerSeatBalances:
    """A customer fed by all its aliases and its id: one series per seat type (BEHAVIOUR.md §11)."""
    return CustomerSeatBalances(
        id=customer.id,
        account_id=account_id,
        legal_name=customer.legal_name,
        aliases=customer.aliases,
        balances=_by_seat_type(in_force),
    )


def customer_balances(
    account_id: str,
    in_force: Mapping[str, list[SeatEvent]],
    keep: BalanceFilter,
    directory: AliasDirectory | None = None,
) -> list[CustomerSeatBalances]:
    """One item per customer with seats in force, filtered, sorted by legal name.

    `in_force` is per alias (a value or a customer id used as one); `directory` names the real
    customer each alias stands for, the others being their own implicit customers. The cost
    follows the number of series, not of events.
    """
    directory = directory or {}
    grouped: dict[str, tuple[CustomerRef, list[SeatEvent]]] = {}
    customers: list[CustomerSeatBalances] = []
    for alias, events in in_force.items():
        if not events:
            continue
        owner = directory.get(alias)
        if owner is None:
            customers.append(implicit_customer(account_id, alias, events))
        else:
            grouped.setdefault(owner.id, (owner, []))[1].extend(events)
    customers.extend(real_customer(account_id, ref, events) for ref, events in grouped.values())
    return sorted((c for c in customers if keep.keeps(c)), key=lambda c: (c.legal_name, c.id))
