"""A database of the previous schema version, on either durable engine, is brought up to date
when opened and keeps its data (BEHAVIOUR.md §9)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from conftest import NewStore
from sqlalchemy import inspect, text

from emulator.domain.accounts import AccountUpdate
from emulator.domain.clock import Clock
from emulator.domain.contacts import ContactDraft
from emulator.domain.customer_query import CustomerFilter, CustomerQuery, CustomerSortBy
from emulator.domain.customers import Address, CustomerDraft
from emulator.domain.ids import IdGenerator
from emulator.domain.journal import JournalEntry, JournalQuery
from emulator.domain.pages import PageRequest
from emulator.domain.seat_events import Minted, SeatEventDraft
from emulator.domain.usage_calculation import CalculationRequest
from emulator.domain.usage_events import UsageEventDraft
from emulator.domain.usage_metrics import UsageMetricDraft
from emulator.rules import Store, open_store
from emulator.rules.controls import SharedJournal
from emulator.store.schema import SCHEMA_VERSION

INSTANT = datetime(2024, 5, 1, tzinfo=timezone.utc)
APRIL, MAY = datetime(2024, 4, 1, tzinfo=timezone.utc), INSTANT
LONDON = Address("1 Road", "London", "N1", "GB")
CONTACTS = (
    ContactDraft("Ann", "ann@acme.test", "PRIMARY"),
    ContactDraft("Cat", "cat@acme.test", "NONE"),
)
EMAILS = "ann@acme.test\ncat@acme.test"


V5_DAYS = """CREATE TABLE usage_days (account_id TEXT NOT NULL, event_type TEXT NOT NULL,
    customer_alias TEXT NOT NULL, day INTEGER NOT NULL, events INTEGER NOT NULL,
    min_id TEXT NOT NULL, max_id TEXT NOT NULL,
    PRIMARY KEY (account_id, event_type, customer_alias, day))"""


def minting() -> Callable[[], Minted]:
    """Ids from a fresh generator, every version received at INSTANT."""
    new_id = IdGenerator(Clock().now)
    return lambda: Minted(new_id(), INSTANT)


def as_version(store: Store, version: int, *statements: str) -> None:
    """Make the store's database what release `version` left, by `statements`."""
    sqlite = store.database.dialect_name == "sqlite"
    with store.database.engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
        if sqlite:
            connection.exec_driver_sql(f"PRAGMA user_version = {version}")
        else:
            connection.exec_driver_sql(f"UPDATE sequence_emulator_schema SET version = {version}")


NO_METRIC_TOTALS = (
    "DROP TABLE usage_metric_days",
    "DROP TABLE usage_metric_values",
    "ALTER TABLE journal DROP COLUMN size",
)
NO_USAGE = ("DROP TABLE usage_events", "DROP TABLE usage_metrics", *NO_METRIC_TOTALS)


def as_version_4(store: Store) -> None:
    """Make the store's database what release 4 left: no usage tables."""
    as_version(store, 4, *NO_USAGE)


def as_version_3(store: Store) -> None:
    """Make the store's database what release 3 left: no table of account details, and every
    contact's email, archived or not, in the column the email filter reads."""
    with store.database.engine.begin() as connection:
        connection.execute(text("UPDATE customers SET emails = :emails"), {"emails": EMAILS})
    as_version(store, 3, "DROP TABLE sequence_accounts", *NO_USAGE)


def by_email(store: Store, email: str) -> list[str]:
    query = CustomerQuery(CustomerFilter(email=email), CustomerSortBy.CREATED_AT, PageRequest())
    return [customer.id for customer in store.list_customers("a1", query).items]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_version_3_gains_account_details_and_emails_without_archived_contacts(
    kind: str, new_store_spec: NewStore
) -> None:
    spec = new_store_spec(kind)
    with open_store(spec) as store:
        draft = CustomerDraft("Acme", LONDON, CONTACTS, "TAXED")
        acme = store.create_customer("a1", draft, minting())
        store.archive_contact("a1", acme.id, acme.contacts[1].id, INSTANT)
        as_version_3(store)

    assert SCHEMA_VERSION == 6
    with open_store(spec) as upgraded:
        updated = upgraded.update_sequence_account("a1", AccountUpdate(company_name="Acme"))
        assert upgraded.sequence_account("a1") == updated
        assert (by_email(upgraded, "ann@acme.test"), by_email(upgraded, "cat@acme.test")) == (
            [acme.id],
            [],
        )
    with open_store(spec) as reopened:  # a second open finds nothing to do, and keeps it all
        assert reopened.sequence_account("a1").company_name == "Acme"
        customer = reopened.customer("a1", acme.id)
        assert customer is not None
        assert customer.live_contacts == acme.contacts[:1]
        assert customer.contacts[1].archived_at == INSTANT


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_version_4_gains_usage_events_and_metrics_and_keeps_its_seat_events(
    kind: str, new_store_spec: NewStore
) -> None:
    spec = new_store_spec(kind)
    mint = minting()
    with open_store(spec) as store:
        seat = store.save_seat_event("a1", SeatEventDraft("acme", "admin", "2024-05-01", 3), mint)
        as_version_4(store)

    with open_store(spec) as upgraded:
        assert upgraded.seat_event("a1", seat[0].id) == seat[0]
        event, _ = upgraded.save_usage_event("a1", UsageEventDraft("acme", "sent"), mint)
        metric = upgraded.create_usage_metric(
            "a1", UsageMetricDraft("sent", "SIMPLE", "sent", "COUNT"), mint
        )
    with open_store(spec) as reopened:
        assert reopened.count_usage_events("a1") == 1
        assert reopened.usage_metric("a1", metric.id) == metric
        assert event.event_timestamp == "2024-05-01T00:00:00Z"  # the clock's now, in UTC


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_version_5_adds_up_its_metrics_totals_and_calculates_as_before(
    kind: str, new_store_spec: NewStore
) -> None:
    spec = new_store_spec(kind)
    mint = minting()
    asked = CalculationRequest(frozenset({"acme"}), APRIL, MAY)
    with open_store(spec) as store:
        for n in range(12):
            properties = {"n": n, "channel": ("text", "fax")[n % 2]}
            when = f"2024-04-{n + 1:02d}T12:00:00Z"
            draft = UsageEventDraft("acme", "sent", when, properties, f"e{n}")
            store.save_usage_event("a1", draft, mint)
        draft = UsageMetricDraft("n", "SIMPLE", "sent", "SUM", aggregation_property="n")
        texts = UsageMetricDraft(
            "t", "SIMPLE", "sent", "COUNT", property_filters={"channel": ["text"]}
        )
        summed = store.create_usage_metric("a1", draft, mint)
        counted = store.create_usage_metric("a1", texts, mint)
        before = [store.calculate_usage("a1", m.id, asked) for m in (summed, counted)]
        as_version(store, 5, *NO_METRIC_TOTALS, V5_DAYS)

    with open_store(spec) as upgraded:
        after = [upgraded.calculate_usage("a1", m.id, asked) for m in (summed, counted)]
        assert after == before
        assert [answer[1].value for answer in after if answer] == [Decimal(66), Decimal(6)]
        tables = inspect(upgraded.database.engine).get_table_names()
        assert "usage_days" not in tables and "usage_metric_days" in tables
        journal = SharedJournal(upgraded.database)  # its entries now keep their size
        journal.record(
            JournalEntry(0, INSTANT, "GET", "/", {}, {}, b"", False, 200, b"", False, None, 0.0)
        )
        assert [e.path for e in journal.entries(JournalQuery())] == ["/"]
