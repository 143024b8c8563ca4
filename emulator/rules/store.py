"""The Store the views call: each operation is one transaction running one rule.

The rules (emulator.rules.*) are written once; the database (emulator.store) only keeps rows.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from emulator.domain.accounts import AccountUpdate, SequenceAccount
from emulator.domain.balances import BalanceFilter, CustomerSeatBalances, customer_balances
from emulator.domain.contacts import Contact, ContactDraft
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
from emulator.domain.seat_events import SeatEvent, SeatEventDraft
from emulator.domain.seat_metrics import SeatMetric, SeatMetricDraft, SeatMetricUpdate
from emulator.domain.state import AccountState
from emulator.rules import accounts, contacts, customers, seat_events, seat_metrics
from emulator.rules.minting import Mint, Observe, observed
from emulator.rules.usage_store import UsageStore
from emulator.store import accounts as account_rows
from emulator.store import customers as customer_rows
from emulator.store import seat_events as event_rows
from emulator.store import seat_metrics as metric_rows
from emulator.store import tables
from emulator.store.database import Database

CUSTOMER_TABLES = ("customers", "customer_aliases")


class Store(UsageStore):
    """Seat events, seat metrics, customers, aliases, contacts and account details per account,
    in one database; usage events and metrics from UsageStore."""

    def __init__(self, database: Database, observe_id: Observe | None = None) -> None:
        self.database = database
        self.kind = database.kind
        self._observe = observe_id if database.shared else None

    def save_seat_event(
        self, account_id: str, draft: SeatEventDraft, mint: Mint
    ) -> tuple[SeatEvent, bool]:
        """Store `draft` under supersession; the effective event, and whether it is new."""
        with self.database.write(account_id) as c:
            minting = observed(mint, self._observe, c, account_id, "seat_events")
            return seat_events.save(c, account_id, draft, minting)

    def seat_event(self, account_id: str, event_id: str) -> SeatEvent | None:
        """One stored version by id, superseded or not; None outside this account."""
        with self.database.read() as c:
            return event_rows.version(c, account_id, event_id)

    def current_seat_event(self, account_id: str, customer_event_id: str) -> SeatEvent | None:
        """The effective version of one customerEventId, if any."""
        with self.database.read() as c:
            return event_rows.effective(c, account_id, customer_event_id)

    def list_seat_events(self, account_id: str, query: SeatEventQuery) -> Page[SeatEvent]:
        """One page of the account's effective events; customerIds resolved to customers."""
        with self.database.read() as c:
            return seat_events.listing(c, account_id, query)

    def seat_event_versions(self, account_id: str, customer_event_id: str) -> list[SeatEvent]:
        """Every version of one customerEventId, oldest first: its supersession chain."""
        with self.database.read() as c:
            return event_rows.versions_of_keys(c, account_id, [customer_event_id])

    def seat_event_history(self, account_id: str, aliases: Collection[str]) -> list[SeatEvent]:
        """Every version of every customerEventId sent under one of `aliases`, in id order."""
        with self.database.read() as c:
            return seat_events.history(c, account_id, aliases)

    def seat_events_in_force(self, account_id: str, at: datetime) -> dict[str, list[SeatEvent]]:
        """Per alias (VOID excluded), the event in force at `at` for each seat type."""
        with self.database.read() as c:
            return seat_events.in_force(c, account_id, at)

    def seat_balances(
        self, account_id: str, at: datetime, keep: BalanceFilter
    ) -> list[CustomerSeatBalances]:
        """Every customer's balances at `at`, from the series index, grouped by the customer
        each alias stands for (BEHAVIOUR.md §6, §11)."""
        with self.database.read() as c:  # one transaction (on SQLite, one snapshot)
            in_force = seat_events.in_force(c, account_id, at)
            directory = customers.directory(c, account_id, in_force.keys())
        return customer_balances(account_id, in_force, keep, directory)

    def count_seat_events(self, account_id: str | None = None) -> int:
        """How many versions are stored, in one account or in all."""
        with self.database.read() as c:
            return account_rows.count(c, tables.seat_events, account_id)

    def create_seat_metric(self, account_id: str, draft: SeatMetricDraft, mint: Mint) -> SeatMetric:
        """Store a new metric, or DuplicateSeatTypeError."""
        with self.database.write(account_id) as c:
            minting = observed(mint, self._observe, c, account_id, "seat_metrics")
            return seat_metrics.create(c, account_id, draft, minting)

    def seat_metric(self, account_id: str, metric_id: str) -> SeatMetric | None:
        """One metric by id."""
        with self.database.read() as c:
            return metric_rows.find(c, account_id, metric_id)

    def update_seat_metric(
        self, account_id: str, metric_id: str, update: SeatMetricUpdate, now: datetime
    ) -> SeatMetric | None:
        """Apply an update (ImmutableSeatTypeError if it changes the seat type); None if unknown."""
        with self.database.write(account_id) as c:
            return seat_metrics.update(c, account_id, metric_id, update, now)

    def delete_seat_metric(self, account_id: str, metric_id: str) -> SeatMetric | None:
        """Remove a metric and return it; None if unknown."""
        with self.database.write(account_id) as c:
            return seat_metrics.delete(c, account_id, metric_id)

    def list_seat_metrics(self, account_id: str, page: PageRequest[str]) -> Page[SeatMetric]:
        """One page of the account's metrics, by creation."""
        with self.database.read() as c:
            return metric_rows.page(c, account_id, page)

    def count_seat_metrics(self, account_id: str | None = None) -> int:
        """How many metrics exist, in one account or in all."""
        with self.database.read() as c:
            return account_rows.count(c, tables.seat_metrics, account_id)

    def create_customer(self, account_id: str, draft: CustomerDraft, mint: Mint) -> Customer:
        """Store a new customer and its aliases at once, or CustomerRuleError (nothing stored)."""
        with self.database.write(account_id) as c:
            minting = observed(mint, self._observe, c, account_id, *CUSTOMER_TABLES)
            return customers.create(c, account_id, draft, minting)

    def customer(self, account_id: str, customer_id: str) -> Customer | None:
        """One customer by id, archived or not."""
        with self.database.read() as c:
            return customer_rows.find(c, account_id, customer_id)

    def update_customer(
        self, account_id: str, customer_id: str, draft: CustomerDraft, now: datetime, mint: Mint
    ) -> Customer | None:
        """Apply PUT (and add the aliases it names), or CustomerRuleError; None if unknown."""
        with self.database.write(account_id) as c:
            minting = observed(mint, self._observe, c, account_id, *CUSTOMER_TABLES)
            return customers.update(c, account_id, customer_id, draft, now, minting)

    def archive_customer(self, account_id: str, customer_id: str, now: datetime) -> Customer | None:
        """Archive a customer and its live aliases; None if unknown."""
        with self.database.write(account_id) as c:
            return customers.archive(c, account_id, customer_id, now)

    def customer_children(self, account_id: str, parent_id: str) -> list[Customer]:
        """The customers whose parent is `parent_id`, in creation order."""
        with self.database.read() as c:
            return customer_rows.children(c, account_id, parent_id)

    def customer_by_alias(self, account_id: str, alias: str) -> Customer | None:
        """The customer a live alias (else a customer id) stands for."""
        with self.database.read() as c:
            return customers.by_alias(c, account_id, alias)

    def list_customers(self, account_id: str, query: CustomerQuery) -> Page[Customer]:
        """One page of the account's customers."""
        with self.database.read() as c:
            return customers.listing(c, account_id, query)

    def contacts(
        self, account_id: str, customer_id: str, include_archived: bool = False
    ) -> tuple[Contact, ...] | None:
        """A customer's contacts, archived ones only when asked; None if unknown."""
        with self.database.read() as c:
            return contacts.listing(c, account_id, customer_id, include_archived)

    def create_contact(
        self, account_id: str, customer_id: str, draft: ContactDraft, mint: Mint
    ) -> Contact | None:
        """Add a contact to a customer, or BillingRuleError; None if the customer is unknown."""
        with self.database.write(account_id) as c:
            minting = observed(mint, self._observe, c, account_id, *CUSTOMER_TABLES)
            return contacts.create(c, account_id, customer_id, draft, minting)

    def update_contact(
        self,
        account_id: str,
        customer_id: str,
        contact_id: str,
        draft: ContactDraft,
        now: datetime,
    ) -> Contact | None:
        """A contact's new fields, or BillingRuleError; None if the customer has no such one."""
        with self.database.write(account_id) as c:
            return contacts.update(c, account_id, customer_id, contact_id, draft, now)

    def archive_contact(
        self, account_id: str, customer_id: str, contact_id: str, now: datetime
    ) -> Contact | None:
        """Archive a contact, or BillingRuleError; None if the customer has no such one."""
        with self.database.write(account_id) as c:
            return contacts.archive(c, account_id, customer_id, contact_id, now)

    def create_customer_alias(
        self,
        account_id: str,
        draft: AliasDraft,
        mint: Mint,
        idempotency: IdempotencyKey | None = None,
    ) -> CustomerAlias:
        """Store a live alias, or CustomerRuleError; a held key answers its first alias again."""
        with self.database.write(account_id) as c:
            minting = observed(mint, self._observe, c, account_id, *CUSTOMER_TABLES)
            return customers.create_alias(c, account_id, draft, minting, idempotency)

    def customer_alias(self, account_id: str, alias_id: str) -> CustomerAlias | None:
        """One live alias by id."""
        with self.database.read() as c:
            return customer_rows.live_alias(c, account_id, alias_id)

    def update_customer_alias(
        self, account_id: str, alias_id: str, update: AliasUpdate
    ) -> CustomerAlias | None:
        """A live alias's new label; None if unknown (or no longer live)."""
        with self.database.write(account_id) as c:
            return customers.update_alias(c, account_id, alias_id, update)

    def delete_customer_alias(
        self, account_id: str, alias_id: str, now: datetime
    ) -> CustomerAlias | None:
        """Mark a live alias deleted and return it; None if unknown (or no longer live)."""
        with self.database.write(account_id) as c:
            return customers.delete_alias(c, account_id, alias_id, now)

    def aliases_of_customer(self, account_id: str, customer_id: str) -> list[CustomerAlias]:
        """A customer's live aliases, oldest first."""
        with self.database.read() as c:
            return customer_rows.aliases_of(c, account_id, customer_id)

    def list_customer_aliases(self, account_id: str, query: AliasQuery) -> Page[CustomerAlias]:
        """One page of the account's live aliases."""
        with self.database.read() as c:
            return customers.alias_listing(c, account_id, query)

    def alias_directory(self, account_id: str, aliases: Collection[str]) -> AliasDirectory:
        """The real customer each of `aliases` stands for; the others are left out."""
        with self.database.read() as c:
            return customers.directory(c, account_id, aliases)

    def sequence_account(self, account_id: str) -> SequenceAccount:
        """The account's company details: as last updated, else the placeholders."""
        with self.database.read() as c:
            return accounts.details(c, account_id)

    def update_sequence_account(self, account_id: str, update: AccountUpdate) -> SequenceAccount:
        """Store the account's details with what the update gives, and answer them."""
        with self.database.write(account_id) as c:
            return accounts.update_details(c, account_id, update)

    def account_ids(self) -> list[str]:
        """Every account that holds data, sorted."""
        with self.database.read() as c:
            return account_rows.account_ids(c)

    def export_accounts(self, account_id: str | None = None) -> list[AccountState]:
        """Every account's data (or one account's), ready to import elsewhere."""
        with self.database.read() as c:
            return accounts.export(c, account_id)

    def import_accounts(self, states: list[AccountState], account_id: str | None = None) -> None:
        """Replace everything (or that one account) with `states`, replayed in id order."""
        with self.database.write(account_id) as c:
            accounts.replace_accounts(c, states, account_id)
        self.database.refresh_statistics()

    def reset(self, account_id: str | None = None) -> None:
        """Forget everything, or one account."""
        with self.database.write(account_id) as c:
            account_rows.delete(c, account_id)

    def close(self) -> None:
        """Release the database's connections; the store is not used afterwards."""
        self.database.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
