"""A whole account's data, as exported, imported and seeded (BEHAVIOUR.md §9)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TypeVar

from emulator.domain.accounts import SequenceAccount
from emulator.domain.contacts import Contact
from emulator.domain.customers import Customer, CustomerAlias
from emulator.domain.seat_events import Minted, SeatEvent
from emulator.domain.seat_metrics import SeatMetric
from emulator.domain.usage_events import UsageEvent
from emulator.domain.usage_metrics import UsageMetric

E = TypeVar("E", SeatEvent, UsageEvent)


@dataclass(frozen=True)
class AccountState:
    """Every stored version of every seat event (in id order), every seat metric, every
    customer and every customer alias (live or not), and the account's company details once
    updated (None: the placeholders); every version of every usage event and every usage
    metric, deleted or not.

    A hand-written seed may leave ids out (empty strings); with_minted_ids fills them. It may
    also give aliases inline with a customer: `seeded_aliases` holds them as (index of the
    customer in `customers`, value) until with_minted_ids turns them into aliases.
    """

    account_id: str
    seat_events: tuple[SeatEvent, ...] = ()
    seat_metrics: tuple[SeatMetric, ...] = ()
    customers: tuple[Customer, ...] = ()
    customer_aliases: tuple[CustomerAlias, ...] = ()
    seeded_aliases: tuple[tuple[int, str], ...] = ()
    sequence_account: SequenceAccount | None = None
    usage_events: tuple[UsageEvent, ...] = ()
    usage_metrics: tuple[UsageMetric, ...] = ()

    def ids(self) -> Iterator[str]:
        """Every id the document gives."""
        yield from (event.id for event in self.seat_events if event.id)
        yield from (metric.id for metric in self.seat_metrics if metric.id)
        for customer in self.customers:
            yield from (customer.id,) if customer.id else ()
            yield from (contact.id for contact in customer.contacts if contact.id)
        yield from (alias.id for alias in self.customer_aliases if alias.id)
        yield from (event.id for event in self.usage_events if event.id)
        yield from (metric.id for metric in self.usage_metrics if metric.id)


def with_minted_ids(state: AccountState, mint: Callable[[], Minted]) -> AccountState:
    """The state with an id and a creation time for everything that lacks one, and the seeded
    aliases made aliases of their customers. Events are completed in place, each version let
    go as its completed copy takes its place: a large import holds its events once."""
    seat_events, usage_events = list(state.seat_events), list(state.usage_events)
    state = replace(state, seat_events=(), usage_events=())
    customers = tuple(_customer_with_id(customer, mint) for customer in state.customers)
    seeded = tuple(
        _seeded_alias(state.account_id, customers[index], value, mint())
        for index, value in state.seeded_aliases
    )
    _complete(seat_events, mint)
    seat_metrics = tuple(_metric_with_id(metric, mint) for metric in state.seat_metrics)
    aliases = tuple(_alias_with_id(alias, mint) for alias in state.customer_aliases)
    _complete(usage_events, mint)
    return replace(
        state,
        seat_events=tuple(seat_events),
        seat_metrics=seat_metrics,
        customers=customers,
        customer_aliases=aliases + seeded,
        seeded_aliases=(),
        usage_events=tuple(usage_events),
        usage_metrics=tuple(_usage_metric_with_id(metric, mint) for metric in state.usage_metrics),
    )


def _complete(events: list[E], mint: Callable[[], Minted]) -> None:
    for index, event in enumerate(events):
        events[index] = _event_with_id(event, mint)


def _usage_metric_with_id(metric: UsageMetric, mint: Callable[[], Minted]) -> UsageMetric:
    if metric.id:
        return metric
    minted = mint()
    return replace(metric, id=minted.id, created_at=minted.created_at)


def _event_with_id(event: E, mint: Callable[[], Minted]) -> E:
    if event.id:
        # As the API does when customerEventId is left out: the event's own id.
        return event if event.customer_event_id else replace(event, customer_event_id=event.id)
    minted = mint()
    return replace(
        event,
        id=minted.id,
        customer_event_id=event.customer_event_id or minted.id,
        created_at=minted.created_at,
    )


def _metric_with_id(metric: SeatMetric, mint: Callable[[], Minted]) -> SeatMetric:
    if metric.id:
        return metric
    minted = mint()
    return replace(metric, id=minted.id, created_at=minted.created_at, updated_at=minted.created_at)


def _customer_with_id(customer: Customer, mint: Callable[[], Minted]) -> Customer:
    if not customer.id:
        minted = mint()
        customer = replace(customer, id=minted.id, created_at=minted.created_at)
    return replace(
        customer, contacts=tuple(_contact_with_id(c, customer, mint) for c in customer.contacts)
    )


def _contact_with_id(contact: Contact, customer: Customer, mint: Callable[[], Minted]) -> Contact:
    if contact.id:
        return contact
    created = customer.created_at
    return replace(contact, id=mint().id, created_at=created, updated_at=created)


def _alias_with_id(alias: CustomerAlias, mint: Callable[[], Minted]) -> CustomerAlias:
    if alias.id:
        return alias
    minted = mint()
    return replace(alias, id=minted.id, created_at=minted.created_at)


def _seeded_alias(account_id: str, customer: Customer, value: str, minted: Minted) -> CustomerAlias:
    return CustomerAlias(minted.id, account_id, customer.id, value, minted.created_at)
