"""The default store: in memory, per process, safe under a threaded server."""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from emulator.domain.balances import SeatSeries
from emulator.domain.customer_query import AliasQuery, CustomerQuery, CustomerSortBy
from emulator.domain.customers import (
    AliasDirectory,
    AliasDraft,
    AliasUpdate,
    Customer,
    CustomerAlias,
    CustomerDraft,
    CustomerRef,
    CustomerRuleError,
    alias_taken,
    archived_customer,
    check_alias_values,
    check_parent,
    new_alias,
    new_customer,
    updated_alias,
    updated_customer,
)
from emulator.domain.idempotency import IdempotencyKey, Remembered, still_held
from emulator.domain.pages import Comparable, Page, PageRequest, paginate
from emulator.domain.seat_event_query import (
    CustomerMatch,
    SeatEventQuery,
    SortBy,
    customer_match,
    micros,
)
from emulator.domain.seat_events import VOID_ALIAS, SeatEvent, SeatEventDraft, supersede
from emulator.domain.seat_metrics import (
    DuplicateSeatTypeError,
    SeatMetric,
    SeatMetricDraft,
    SeatMetricUpdate,
    new_metric,
    updated_metric,
)
from emulator.domain.state import AccountState
from emulator.store.protocol import Mint

K = TypeVar("K", bound=Comparable)


def _remove_sorted(keys: list[K], key: K) -> None:
    index = bisect_left(keys, key)
    if index < len(keys) and keys[index] == key:
        del keys[index]


@dataclass
class _SeatEvents:
    """One account's seat events, with the indexes that lists and balances read."""

    versions: dict[str, SeatEvent] = field(default_factory=dict)
    effective: dict[str, SeatEvent] = field(default_factory=dict)  # by customerEventId
    by_created: list[str] = field(default_factory=list)
    by_time: list[tuple[int, str]] = field(default_factory=list)
    series: dict[str, dict[str, SeatSeries]] = field(default_factory=dict)  # alias, seat type

    def save(self, account_id: str, draft: SeatEventDraft, mint: Mint) -> tuple[SeatEvent, bool]:
        key = draft.customer_event_id
        current = self.effective.get(key) if key is not None else None
        created = supersede(current, draft, account_id, mint)
        if created is None:
            assert current is not None  # supersede() only declines a retry of `current`
            return current, False
        if current is not None:
            self._unindex(current)
        self.versions[created.id] = created
        self.effective[created.customer_event_id] = created
        self._index(created)
        return created, True

    def replay(self, events: tuple[SeatEvent, ...]) -> None:
        """Load stored versions as if received in id order."""
        for event in sorted(events, key=lambda e: e.id):
            current = self.effective.get(event.customer_event_id)
            if current is not None:
                self._unindex(current)
            self.versions[event.id] = event
            self.effective[event.customer_event_id] = event
            self._index(event)

    def _index(self, event: SeatEvent) -> None:
        insort(self.by_created, event.id)
        insort(self.by_time, self._time_key(event))
        by_type = self.series.setdefault(event.customer_alias, {})
        by_type.setdefault(event.seat_type, SeatSeries()).add(event)

    @staticmethod
    def _time_key(event: SeatEvent) -> tuple[int, str]:
        return (micros(event.event_time), event.id)

    def _unindex(self, event: SeatEvent) -> None:
        _remove_sorted(self.by_created, event.id)
        _remove_sorted(self.by_time, self._time_key(event))
        by_type = self.series[event.customer_alias]
        series = by_type[event.seat_type]
        series.remove(event)
        if not series:
            del by_type[event.seat_type]
        if not by_type:
            del self.series[event.customer_alias]

    def page(self, query: SeatEventQuery, customers: _Customers) -> Page[SeatEvent]:
        wanted = query.filter
        if wanted.customer_ids is not None:
            wanted = replace(wanted, customers=customers.match(wanted.customer_ids))

        def matches(event: SeatEvent) -> bool:
            return wanted.matches(event, customers)

        effective = self.effective.values()
        total = len(effective) if wanted.is_empty else sum(map(matches, effective))
        if query.sort_by is SortBy.CREATED_AT:
            ids = self.by_created
            return paginate(ids, lambda i: self.versions[ids[i]], matches, query.page, total)
        keys = self.by_time
        return paginate(keys, lambda i: self.versions[keys[i][1]], matches, query.page, total)

    def in_force(self, at: datetime) -> dict[str, list[SeatEvent]]:
        found: dict[str, list[SeatEvent]] = {}
        for alias, by_type in self.series.items():
            if alias == VOID_ALIAS:
                continue
            events = [e for e in (s.in_force(at) for s in by_type.values()) if e is not None]
            if events:
                found[alias] = events
        return found


@dataclass
class _SeatMetrics:
    """One account's seat metrics, by id (in creation order) and by seat type."""

    by_id: dict[str, SeatMetric] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)
    by_seat_type: dict[str, str] = field(default_factory=dict)

    def create(self, account_id: str, draft: SeatMetricDraft, mint: Mint) -> SeatMetric:
        if draft.seat_type in self.by_seat_type:
            raise DuplicateSeatTypeError(f"A seat metric for {draft.seat_type!r} already exists")
        minted = mint()
        metric = new_metric(draft, account_id, minted.id, minted.created_at)
        self.by_id[metric.id] = metric
        insort(self.ids, metric.id)
        self.by_seat_type[metric.seat_type] = metric.id
        return metric

    def update(self, metric_id: str, update: SeatMetricUpdate, now: datetime) -> SeatMetric | None:
        metric = self.by_id.get(metric_id)
        if metric is None:
            return None
        self.by_id[metric_id] = updated = updated_metric(metric, update, now)
        return updated

    def delete(self, metric_id: str) -> SeatMetric | None:
        metric = self.by_id.pop(metric_id, None)
        if metric is not None:
            _remove_sorted(self.ids, metric_id)
            del self.by_seat_type[metric.seat_type]
        return metric

    def load(self, metrics: tuple[SeatMetric, ...]) -> None:
        """Load stored metrics as they are."""
        for metric in metrics:
            self.by_id[metric.id] = metric
            insort(self.ids, metric.id)
            self.by_seat_type[metric.seat_type] = metric.id

    def page(self, request: PageRequest[str]) -> Page[SeatMetric]:
        return paginate(
            self.ids, lambda i: self.by_id[self.ids[i]], lambda _: True, request, len(self.ids)
        )


@dataclass
class _Customers:
    """One account's customers and aliases, with the indexes lists and lookups read.

    It is also the set of aliases (and customer ids) that stand for a real customer, as
    SeatEventFilter.matches asks for.
    """

    by_id: dict[str, Customer] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)
    by_name: list[tuple[str, str]] = field(default_factory=list)  # (legal name, id)
    children: dict[str, list[str]] = field(default_factory=dict)  # parent id -> child ids
    aliases: dict[str, CustomerAlias] = field(default_factory=dict)  # every alias, live or not
    live: dict[str, str] = field(default_factory=dict)  # value -> id of its live alias
    live_ids: list[str] = field(default_factory=list)
    of_customer: dict[str, list[str]] = field(default_factory=dict)  # live alias ids
    keys: dict[str, Remembered] = field(default_factory=dict)  # Idempotency-Key

    def __contains__(self, alias: object) -> bool:
        return alias in self.live or alias in self.by_id

    def owner(self, alias: str) -> Customer | None:
        """The customer a live alias, else a customer id, stands for."""
        alias_id = self.live.get(alias)
        if alias_id is not None:
            return self.by_id[self.aliases[alias_id].customer_id]
        return self.by_id.get(alias)

    def ref(self, customer: Customer) -> CustomerRef:
        values = tuple(self.aliases[i].value for i in self.of_customer.get(customer.id, ()))
        return CustomerRef(customer.id, customer.legal_name, values)

    def match(self, customer_ids: frozenset[str]) -> CustomerMatch:
        found = {i: self.ref(self.by_id[i]) for i in customer_ids if i in self.by_id}
        return customer_match(customer_ids, found)

    def directory(self, aliases: Collection[str]) -> AliasDirectory:
        found: dict[str, CustomerRef] = {}
        refs: dict[str, CustomerRef] = {}
        for alias in aliases:
            owner = self.owner(alias)
            if owner is not None:
                found[alias] = refs.get(owner.id) or refs.setdefault(owner.id, self.ref(owner))
        return found

    def create(self, account_id: str, draft: CustomerDraft, mint: Mint) -> Customer:
        self._check_new_values(draft.aliases, None)
        if draft.parent_id is not None:
            check_parent(None, draft.parent_id, self.by_id.get)
        customer = new_customer(draft, account_id, mint)
        aliases = [new_alias(customer, v, None, mint(), "customerAliases") for v in draft.aliases]
        self._put(customer)
        for alias in aliases:
            self._add_alias(alias)
        return customer

    def update(
        self, customer_id: str, draft: CustomerDraft, now: datetime, mint: Mint
    ) -> Customer | None:
        current = self.by_id.get(customer_id)
        if current is None:
            return None
        values = self._check_new_values(draft.aliases, customer_id)
        if draft.parent_id is not None:
            check_parent(customer_id, draft.parent_id, self.by_id.get)
        customer = updated_customer(current, draft, now, mint)
        aliases = [new_alias(customer, v, None, mint(), "customerAliases") for v in values]
        self._put(customer)
        for alias in aliases:
            self._add_alias(alias)
        return customer

    def archive(self, customer_id: str, now: datetime) -> Customer | None:
        current = self.by_id.get(customer_id)
        if current is None or current.is_archived:
            return current
        customer = archived_customer(current, now)
        self._put(customer)
        for alias_id in list(self.of_customer.get(customer_id, ())):
            self._retire_alias(replace(self.aliases[alias_id], archived_at=now))
        return customer

    def child_list(self, parent_id: str) -> list[Customer]:
        return [self.by_id[i] for i in self.children.get(parent_id, ())]

    def page(self, query: CustomerQuery) -> Page[Customer]:
        wanted = query.filter
        owner = self.owner(wanted.alias) if wanted.alias is not None else None
        owner_id = owner.id if owner else None

        def matches(customer: Customer) -> bool:
            return wanted.matches(customer, owner_id)

        total = sum(map(matches, self.by_id.values()))
        if query.sort_by is CustomerSortBy.CREATED_AT:
            ids = self.ids
            return paginate(ids, lambda i: self.by_id[ids[i]], matches, query.page, total)
        names = self.by_name
        return paginate(names, lambda i: self.by_id[names[i][1]], matches, query.page, total)

    def create_alias(
        self, draft: AliasDraft, mint: Mint, idempotency: IdempotencyKey | None
    ) -> CustomerAlias:
        if idempotency is not None:
            held = self.keys.get(idempotency.key)
            if held is not None and still_held(held.recorded_at, idempotency.now):
                return held.alias
        check_alias_values([draft.value], "value")
        customer = self.by_id.get(draft.customer_id)
        if customer is None:
            raise CustomerRuleError("customerId", f"No customer with id {draft.customer_id!r}")
        if draft.value in self.live:
            raise alias_taken(draft.value, "value")
        alias = new_alias(customer, draft.value, draft.label, mint(), "customerId")
        self._add_alias(alias)
        if idempotency is not None:
            self._forget_keys(idempotency.now)
            self.keys[idempotency.key] = Remembered(idempotency.now, alias)
        return alias

    def live_alias(self, alias_id: str) -> CustomerAlias | None:
        alias = self.aliases.get(alias_id)
        return alias if alias is not None and alias.is_live else None

    def update_alias(self, alias_id: str, update: AliasUpdate) -> CustomerAlias | None:
        alias = self.live_alias(alias_id)
        if alias is None:
            return None
        self.aliases[alias_id] = updated = updated_alias(alias, update)
        return updated

    def delete_alias(self, alias_id: str, now: datetime) -> CustomerAlias | None:
        alias = self.live_alias(alias_id)
        if alias is None:
            return None
        deleted = replace(alias, deleted_at=now)
        self._retire_alias(deleted)
        return deleted

    def alias_page(self, query: AliasQuery) -> Page[CustomerAlias]:
        ids = self.live_ids
        if query.value is not None:
            found = self.live.get(query.value)
            ids = [found] if found is not None else []
        return paginate(ids, lambda i: self.aliases[ids[i]], lambda _: True, query.page, len(ids))

    def load(self, customers: tuple[Customer, ...], aliases: tuple[CustomerAlias, ...]) -> None:
        """Load stored customers and aliases as they are."""
        for customer in customers:
            self._put(customer)
        for alias in sorted(aliases, key=lambda a: a.id):
            if alias.is_live:
                self._add_alias(alias)
            else:
                self.aliases[alias.id] = alias

    def is_empty(self) -> bool:
        return not self.by_id and not self.aliases

    def _check_new_values(self, values: tuple[str, ...], customer_id: str | None) -> list[str]:
        """The values that are not yet the customer's; CustomerRuleError if one is another's."""
        check_alias_values(values, "customerAliases")
        new: list[str] = []
        for value in values:
            alias_id = self.live.get(value)
            if alias_id is None:
                new.append(value)
            elif self.aliases[alias_id].customer_id != customer_id:
                raise alias_taken(value, "customerAliases")
        return new

    def _put(self, customer: Customer) -> None:
        old = self.by_id.get(customer.id)
        if old is not None:
            _remove_sorted(self.by_name, (old.legal_name, old.id))
            if old.parent_id is not None:
                _remove_sorted(self.children[old.parent_id], old.id)
        else:
            insort(self.ids, customer.id)
        self.by_id[customer.id] = customer
        insort(self.by_name, (customer.legal_name, customer.id))
        if customer.parent_id is not None:
            insort(self.children.setdefault(customer.parent_id, []), customer.id)

    def _add_alias(self, alias: CustomerAlias) -> None:
        self.aliases[alias.id] = alias
        self.live[alias.value] = alias.id
        insort(self.live_ids, alias.id)
        insort(self.of_customer.setdefault(alias.customer_id, []), alias.id)

    def _retire_alias(self, alias: CustomerAlias) -> None:
        """Store an alias that is no longer live, and free its value."""
        self.aliases[alias.id] = alias
        del self.live[alias.value]
        _remove_sorted(self.live_ids, alias.id)
        _remove_sorted(self.of_customer[alias.customer_id], alias.id)

    def _forget_keys(self, now: datetime) -> None:
        expired = [k for k, held in self.keys.items() if not still_held(held.recorded_at, now)]
        for key in expired:
            del self.keys[key]


@dataclass
class _Account:
    seat_events: _SeatEvents = field(default_factory=_SeatEvents)
    seat_metrics: _SeatMetrics = field(default_factory=_SeatMetrics)
    customers: _Customers = field(default_factory=_Customers)

    @classmethod
    def from_state(cls, state: AccountState) -> _Account:
        account = cls()
        account.seat_events.replay(state.seat_events)
        account.seat_metrics.load(state.seat_metrics)
        account.customers.load(
            tuple(replace(c, account_id=state.account_id) for c in state.customers),
            tuple(replace(a, account_id=state.account_id) for a in state.customer_aliases),
        )
        return account

    def state(self, account_id: str) -> AccountState:
        customers = self.customers
        return AccountState(
            account_id,
            tuple(sorted(self.seat_events.versions.values(), key=lambda e: e.id)),
            tuple(self.seat_metrics.by_id[i] for i in self.seat_metrics.ids),
            tuple(customers.by_id[i] for i in customers.ids),
            tuple(sorted(customers.aliases.values(), key=lambda a: a.id)),
        )

    def is_empty(self) -> bool:
        return (
            not self.seat_events.versions
            and not self.seat_metrics.by_id
            and self.customers.is_empty()
        )


class MemoryStore:
    """Every account's data in dictionaries and sorted lists, under one lock."""

    kind = "memory"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[str, _Account] = {}

    @contextmanager
    def _account(self, account_id: str) -> Iterator[_Account]:
        """The account's data, created on first use, held under the lock."""
        with self._lock:
            yield self._accounts.setdefault(account_id, _Account())

    def save_seat_event(
        self, account_id: str, draft: SeatEventDraft, mint: Mint
    ) -> tuple[SeatEvent, bool]:
        """Store `draft` under supersession; the effective event, and whether it is new."""
        with self._account(account_id) as account:
            return account.seat_events.save(account_id, draft, mint)

    def seat_event(self, account_id: str, event_id: str) -> SeatEvent | None:
        """One stored version by id, superseded or not; None outside this account."""
        with self._account(account_id) as account:
            return account.seat_events.versions.get(event_id)

    def current_seat_event(self, account_id: str, customer_event_id: str) -> SeatEvent | None:
        """The effective version of one customerEventId, if any."""
        with self._account(account_id) as account:
            return account.seat_events.effective.get(customer_event_id)

    def list_seat_events(self, account_id: str, query: SeatEventQuery) -> Page[SeatEvent]:
        """One page of the account's effective events."""
        with self._account(account_id) as account:
            return account.seat_events.page(query, account.customers)

    def seat_events_in_force(self, account_id: str, at: datetime) -> dict[str, list[SeatEvent]]:
        """Per alias (VOID excluded), the event in force at `at` for each seat type."""
        with self._account(account_id) as account:
            return account.seat_events.in_force(at)

    def count_seat_events(self, account_id: str | None = None) -> int:
        """How many versions are stored, in one account or in all."""
        return self._count(account_id, lambda account: len(account.seat_events.versions))

    def create_seat_metric(self, account_id: str, draft: SeatMetricDraft, mint: Mint) -> SeatMetric:
        """Store a new metric, or DuplicateSeatTypeError."""
        with self._account(account_id) as account:
            return account.seat_metrics.create(account_id, draft, mint)

    def seat_metric(self, account_id: str, metric_id: str) -> SeatMetric | None:
        """One metric by id."""
        with self._account(account_id) as account:
            return account.seat_metrics.by_id.get(metric_id)

    def update_seat_metric(
        self, account_id: str, metric_id: str, update: SeatMetricUpdate, now: datetime
    ) -> SeatMetric | None:
        """Apply an update (ImmutableSeatTypeError if it changes the seat type); None if unknown."""
        with self._account(account_id) as account:
            return account.seat_metrics.update(metric_id, update, now)

    def delete_seat_metric(self, account_id: str, metric_id: str) -> SeatMetric | None:
        """Remove a metric and return it; None if unknown."""
        with self._account(account_id) as account:
            return account.seat_metrics.delete(metric_id)

    def list_seat_metrics(self, account_id: str, page: PageRequest[str]) -> Page[SeatMetric]:
        """One page of the account's metrics, by creation."""
        with self._account(account_id) as account:
            return account.seat_metrics.page(page)

    def count_seat_metrics(self, account_id: str | None = None) -> int:
        """How many metrics exist, in one account or in all."""
        return self._count(account_id, lambda account: len(account.seat_metrics.by_id))

    def _count(self, account_id: str | None, size: Callable[[_Account], int]) -> int:
        """`size` summed over one account, or over all."""
        with self._lock:
            accounts = [self._accounts.get(account_id)] if account_id else self._accounts.values()
            return sum(size(account) for account in accounts if account)

    def create_customer(self, account_id: str, draft: CustomerDraft, mint: Mint) -> Customer:
        """Store a new customer and its aliases at once, or CustomerRuleError (nothing stored)."""
        with self._account(account_id) as account:
            return account.customers.create(account_id, draft, mint)

    def customer(self, account_id: str, customer_id: str) -> Customer | None:
        """One customer by id, archived or not."""
        with self._account(account_id) as account:
            return account.customers.by_id.get(customer_id)

    def update_customer(
        self, account_id: str, customer_id: str, draft: CustomerDraft, now: datetime, mint: Mint
    ) -> Customer | None:
        """Apply PUT (and add the aliases it names), or CustomerRuleError; None if unknown."""
        with self._account(account_id) as account:
            return account.customers.update(customer_id, draft, now, mint)

    def archive_customer(self, account_id: str, customer_id: str, now: datetime) -> Customer | None:
        """Archive a customer and its live aliases; None if unknown."""
        with self._account(account_id) as account:
            return account.customers.archive(customer_id, now)

    def customer_children(self, account_id: str, parent_id: str) -> list[Customer]:
        """The customers whose parent is `parent_id`, in creation order."""
        with self._account(account_id) as account:
            return account.customers.child_list(parent_id)

    def customer_by_alias(self, account_id: str, alias: str) -> Customer | None:
        """The customer a live alias (else a customer id) stands for."""
        with self._account(account_id) as account:
            return account.customers.owner(alias)

    def list_customers(self, account_id: str, query: CustomerQuery) -> Page[Customer]:
        """One page of the account's customers."""
        with self._account(account_id) as account:
            return account.customers.page(query)

    def create_customer_alias(
        self,
        account_id: str,
        draft: AliasDraft,
        mint: Mint,
        idempotency: IdempotencyKey | None = None,
    ) -> CustomerAlias:
        """Store a live alias, or CustomerRuleError; a held key answers its first alias again."""
        with self._account(account_id) as account:
            return account.customers.create_alias(draft, mint, idempotency)

    def customer_alias(self, account_id: str, alias_id: str) -> CustomerAlias | None:
        """One live alias by id."""
        with self._account(account_id) as account:
            return account.customers.live_alias(alias_id)

    def update_customer_alias(
        self, account_id: str, alias_id: str, update: AliasUpdate
    ) -> CustomerAlias | None:
        """A live alias's new label; None if unknown (or no longer live)."""
        with self._account(account_id) as account:
            return account.customers.update_alias(alias_id, update)

    def delete_customer_alias(
        self, account_id: str, alias_id: str, now: datetime
    ) -> CustomerAlias | None:
        """Mark a live alias deleted and return it; None if unknown (or no longer live)."""
        with self._account(account_id) as account:
            return account.customers.delete_alias(alias_id, now)

    def aliases_of_customer(self, account_id: str, customer_id: str) -> list[CustomerAlias]:
        """A customer's live aliases, oldest first."""
        with self._account(account_id) as account:
            customers = account.customers
            return [customers.aliases[i] for i in customers.of_customer.get(customer_id, ())]

    def list_customer_aliases(self, account_id: str, query: AliasQuery) -> Page[CustomerAlias]:
        """One page of the account's live aliases."""
        with self._account(account_id) as account:
            return account.customers.alias_page(query)

    def alias_directory(self, account_id: str, aliases: Collection[str]) -> AliasDirectory:
        """The real customer each of `aliases` stands for; the others are left out."""
        with self._account(account_id) as account:
            return account.customers.directory(aliases)

    def account_ids(self) -> list[str]:
        """Every account that holds data, sorted."""
        with self._lock:
            return sorted(key for key, account in self._accounts.items() if not account.is_empty())

    def export_accounts(self, account_id: str | None = None) -> list[AccountState]:
        """Every account's data (or one account's), ready to import elsewhere."""
        with self._lock:
            wanted = [account_id] if account_id else sorted(self._accounts)
            return [
                self._accounts[key].state(key)
                for key in wanted
                if key in self._accounts and not self._accounts[key].is_empty()
            ]

    def import_accounts(self, states: list[AccountState], account_id: str | None = None) -> None:
        """Replace everything (or that one account) with `states`, replayed in id order."""
        loaded = {
            state.account_id: _Account.from_state(state)
            for state in states
            if account_id is None or state.account_id == account_id
        }
        with self._lock:
            if account_id is None:
                self._accounts = loaded
            else:
                self._accounts.pop(account_id, None)
                self._accounts.update(loaded)

    def close(self) -> None:
        """Nothing to release: the data goes with the process."""

    def reset(self, account_id: str | None = None) -> None:
        """Forget everything, or one account."""
        with self._lock:
            if account_id is None:
                self._accounts.clear()
            else:
                self._accounts.pop(account_id, None)
