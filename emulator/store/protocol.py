"""The Store protocol: what the API needs from any storage."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Protocol

from emulator.domain.customer_query import AliasQuery, CustomerQuery
from emulator.domain.customers import (
    AliasDirectory,
    AliasDraft,
    AliasUpdate,
    Customer,
    CustomerAlias,
    CustomerDraft,
)
from emulator.domain.idempotency import IdempotencyKey
from emulator.domain.pages import Page, PageRequest
from emulator.domain.seat_event_query import SeatEventQuery
from emulator.domain.seat_events import Minted, SeatEvent, SeatEventDraft
from emulator.domain.seat_metrics import SeatMetric, SeatMetricDraft, SeatMetricUpdate
from emulator.domain.state import AccountState

Mint = Callable[[], Minted]


class Store(Protocol):
    """Seat events, seat metrics, customers and aliases per account; supersession applied
    atomically."""

    kind: str

    def save_seat_event(
        self, account_id: str, draft: SeatEventDraft, mint: Mint
    ) -> tuple[SeatEvent, bool]:
        """Store `draft` under supersession; the effective event, and whether it is new."""
        ...

    def seat_event(self, account_id: str, event_id: str) -> SeatEvent | None:
        """One stored version by id, superseded or not; None outside this account."""
        ...

    def current_seat_event(self, account_id: str, customer_event_id: str) -> SeatEvent | None:
        """The effective version of one customerEventId, if any."""
        ...

    def list_seat_events(self, account_id: str, query: SeatEventQuery) -> Page[SeatEvent]:
        """One page of the account's effective events; customerIds resolved to customers."""
        ...

    def seat_events_in_force(self, account_id: str, at: datetime) -> dict[str, list[SeatEvent]]:
        """Per alias (VOID excluded), the event in force at `at` for each seat type that has one.

        Read from an index kept on write: the cost follows the number of series, not of events.
        """
        ...

    def count_seat_events(self, account_id: str | None = None) -> int:
        """How many versions are stored, in one account or in all."""
        ...

    def create_seat_metric(self, account_id: str, draft: SeatMetricDraft, mint: Mint) -> SeatMetric:
        """Store a new metric, or DuplicateSeatTypeError."""
        ...

    def seat_metric(self, account_id: str, metric_id: str) -> SeatMetric | None:
        """One metric by id."""
        ...

    def update_seat_metric(
        self, account_id: str, metric_id: str, update: SeatMetricUpdate, now: datetime
    ) -> SeatMetric | None:
        """Apply an update (ImmutableSeatTypeError if it changes the seat type); None if unknown."""
        ...

    def delete_seat_metric(self, account_id: str, metric_id: str) -> SeatMetric | None:
        """Remove a metric and return it; None if unknown."""
        ...

    def list_seat_metrics(self, account_id: str, page: PageRequest[str]) -> Page[SeatMetric]:
        """One page of the account's metrics, by creation."""
        ...

    def count_seat_metrics(self, account_id: str | None = None) -> int:
        """How many metrics exist, in one account or in all."""
        ...

    def create_customer(self, account_id: str, draft: CustomerDraft, mint: Mint) -> Customer:
        """Store a new customer and its aliases at once, or CustomerRuleError (nothing stored)."""
        ...

    def customer(self, account_id: str, customer_id: str) -> Customer | None:
        """One customer by id, archived or not."""
        ...

    def update_customer(
        self, account_id: str, customer_id: str, draft: CustomerDraft, now: datetime, mint: Mint
    ) -> Customer | None:
        """Apply PUT (and add the aliases it names), or CustomerRuleError; None if unknown."""
        ...

    def archive_customer(self, account_id: str, customer_id: str, now: datetime) -> Customer | None:
        """Archive a customer and its live aliases; None if unknown."""
        ...

    def customer_children(self, account_id: str, parent_id: str) -> list[Customer]:
        """The customers whose parent is `parent_id`, in creation order."""
        ...

    def customer_by_alias(self, account_id: str, alias: str) -> Customer | None:
        """The customer a live alias (else a customer id) stands for."""
        ...

    def list_customers(self, account_id: str, query: CustomerQuery) -> Page[Customer]:
        """One page of the account's customers."""
        ...

    def create_customer_alias(
        self,
        account_id: str,
        draft: AliasDraft,
        mint: Mint,
        idempotency: IdempotencyKey | None = None,
    ) -> CustomerAlias:
        """Store a live alias, or CustomerRuleError; a key held from an earlier request
        answers that request's alias again and stores nothing."""
        ...

    def customer_alias(self, account_id: str, alias_id: str) -> CustomerAlias | None:
        """One live alias by id."""
        ...

    def update_customer_alias(
        self, account_id: str, alias_id: str, update: AliasUpdate
    ) -> CustomerAlias | None:
        """A live alias's new label; None if unknown (or no longer live)."""
        ...

    def delete_customer_alias(
        self, account_id: str, alias_id: str, now: datetime
    ) -> CustomerAlias | None:
        """Mark a live alias deleted and return it; None if unknown (or no longer live)."""
        ...

    def aliases_of_customer(self, account_id: str, customer_id: str) -> list[CustomerAlias]:
        """A customer's live aliases, oldest first."""
        ...

    def list_customer_aliases(self, account_id: str, query: AliasQuery) -> Page[CustomerAlias]:
        """One page of the account's live aliases."""
        ...

    def alias_directory(self, account_id: str, aliases: Collection[str]) -> AliasDirectory:
        """The real customer each of `aliases` stands for (a live alias first, else a customer
        id); aliases standing for none are left out. Costs follow len(aliases)."""
        ...

    def account_ids(self) -> list[str]:
        """Every account that holds data, sorted."""
        ...

    def export_accounts(self, account_id: str | None = None) -> list[AccountState]:
        """Every account's data (or one account's), ready to import elsewhere."""
        ...

    def import_accounts(self, states: list[AccountState], account_id: str | None = None) -> None:
        """Replace everything (or, with `account_id`, that one account) with `states`.

        Seat event versions are replayed in id order: the last one of each customerEventId is
        the effective one, as if they had been received in that order.
        """
        ...

    def reset(self, account_id: str | None = None) -> None:
        """Forget everything, or one account."""
        ...

    def close(self) -> None:
        """Release files and connections; the store is not used afterwards."""
        ...
