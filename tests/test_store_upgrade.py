"""A database of the previous schema version, on either durable engine, is brought up to date
when opened and keeps its data (BEHAVIOUR.md §9)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from conftest import NewStore
from sqlalchemy import text

from emulator.domain.accounts import AccountUpdate
from emulator.domain.clock import Clock
from emulator.domain.contacts import ContactDraft
from emulator.domain.customer_query import CustomerFilter, CustomerQuery, CustomerSortBy
from emulator.domain.customers import Address, CustomerDraft
from emulator.domain.ids import IdGenerator
from emulator.domain.pages import PageRequest
from emulator.domain.seat_events import Minted, SeatEventDraft
from emulator.domain.usage_events import UsageEventDraft
from emulator.domain.usage_metrics import UsageMetricDraft
from emulator.rules import Store, open_store
from emulator.store.schema import SCHEMA_VERSION

INSTANT = datetime(2024, 5, 1, tzinfo=timezone.utc)
LONDON = Address("1 Road", "London", "N1", "GB")
CONTACTS = (
    ContactDraft("Ann", "ann@acme.test", "PRIMARY"),
    ContactDraft("Cat", "cat@acme.test", "NONE"),
)
EMAILS = "ann@acme.test\ncat@acme.test"


def as_version_4(store: Store) -> None:
    """Make the store's database what release 4 left: no usage tables."""
    sqlite = store.database.dialect_name == "sqlite"
    with store.database.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE usage_events")
        connection.exec_driver_sql("DROP TABLE usage_metrics")
        if sqlite:
            connection.exec_driver_sql("PRAGMA user_version = 4")
        else:
            connection.exec_driver_sql("UPDATE sequence_emulator_schema SET version = 4")


def as_version_3(store: Store) -> None:
    """Make the store's database what release 3 left: no table of account details, and every
    contact's email, archived or not, in the column the email filter reads."""
    sqlite = store.database.dialect_name == "sqlite"
    with store.database.engine.begin() as connection:
        connection.execute(text("UPDATE customers SET emails = :emails"), {"emails": EMAILS})
        connection.exec_driver_sql("DROP TABLE sequence_accounts")
        connection.exec_driver_sql("DROP TABLE usage_events")
        connection.exec_driver_sql("DROP TABLE usage_metrics")
        if sqlite:
            connection.exec_driver_sql("PRAGMA user_version = 3")
        else:
            connection.exec_driver_sql("UPDATE sequence_emulator_schema SET version = 3")


def by_email(store: Store, email: str) -> list[str]:
    query = CustomerQuery(CustomerFilter(email=email), CustomerSortBy.CREATED_AT, PageRequest())
    return [customer.id for customer in store.list_customers("a1", query).items]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_version_3_gains_account_details_and_emails_without_archived_contacts(
    kind: str, new_store_spec: NewStore
) -> None:
    spec = new_store_spec(kind)
    new_id = IdGenerator(Clock().now)
    with open_store(spec) as store:
        draft = CustomerDraft("Acme", LONDON, CONTACTS, "TAXED")
        acme = store.create_customer("a1", draft, lambda: Minted(new_id(), INSTANT))
        store.archive_contact("a1", acme.id, acme.contacts[1].id, INSTANT)
        as_version_3(store)

    assert SCHEMA_VERSION == 5
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
    new_id = IdGenerator(Clock().now)
    mint = lambda: Minted(new_id(), INSTANT)  # noqa: E731
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
