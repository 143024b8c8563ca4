"""The default store: in memory, per process, safe under a threaded server."""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from emulator.domain.balances import SeatSeries
from emulator.domain.pages import Comparable, Page, PageRequest, paginate
from emulator.domain.seat_event_query import SeatEventQuery, SortBy, micros
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

    def page(self, query: SeatEventQuery) -> Page[SeatEvent]:
        matches = query.filter.matches
        effective = self.effective.values()
        total = len(effective) if query.filter.is_empty else sum(map(matches, effective))
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
class _Account:
    seat_events: _SeatEvents = field(default_factory=_SeatEvents)
    seat_metrics: _SeatMetrics = field(default_factory=_SeatMetrics)

    @classmethod
    def from_state(cls, state: AccountState) -> _Account:
        account = cls()
        account.seat_events.replay(state.seat_events)
        account.seat_metrics.load(state.seat_metrics)
        return account

    def state(self, account_id: str) -> AccountState:
        return AccountState(
            account_id,
            tuple(sorted(self.seat_events.versions.values(), key=lambda e: e.id)),
            tuple(self.seat_metrics.by_id[i] for i in self.seat_metrics.ids),
        )

    def is_empty(self) -> bool:
        return not self.seat_events.versions and not self.seat_metrics.by_id


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
            return account.seat_events.page(query)

    def seat_events_in_force(self, account_id: str, at: datetime) -> dict[str, list[SeatEvent]]:
        """Per alias (VOID excluded), the event in force at `at` for each seat type."""
        with self._account(account_id) as account:
            return account.seat_events.in_force(at)

    def count_seat_events(self, account_id: str | None = None) -> int:
        """How many versions are stored, in one account or in all."""
        with self._lock:
            accounts = [self._accounts.get(account_id)] if account_id else self._accounts.values()
            return sum(len(account.seat_events.versions) for account in accounts if account)

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
        with self._lock:
            accounts = [self._accounts.get(account_id)] if account_id else self._accounts.values()
            return sum(len(account.seat_metrics.by_id) for account in accounts if account)

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
