"""The tables, once, for SQLite and PostgreSQL: one column list per table (SQLAlchemy Core).

Instants are integer microseconds since the epoch (UTC), marked `instant` so rows.py converts
them. Text compares byte-wise on both databases (PostgreSQL's "C" collation), as Python sorts
it, so pages and cursors agree everywhere. Lists by createdAt read the primary key (UUIDv7 ids
sort by creation); by eventTimestamp and balances, partial indexes over effective versions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Dialect,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeEngine

metadata = MetaData()


class _ByteWiseText(TypeDecorator[str]):
    """Text compared byte-wise: PostgreSQL's "C" collation, SQLite's own default. Chosen when
    a dialect asks, so that using SQLite never loads the PostgreSQL dialect (21 ms)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """The text type for `dialect`."""
        postgresql = dialect.name == "postgresql"
        return dialect.type_descriptor(Text(collation="C") if postgresql else Text())


TEXT = _ByteWiseText()


def _text(name: str, *, nullable: bool = False, key: bool = False) -> Column[Any]:
    return Column(name, TEXT, nullable=nullable, primary_key=key)


def _instant(name: str, *, nullable: bool = False) -> Column[Any]:
    return Column(name, BigInteger, nullable=nullable, info={"instant": True})


def _json(name: str, *, nullable: bool = False) -> Column[Any]:
    """A JSON value kept as text (rows.py converts it), in the key order it was sent."""
    return Column(name, TEXT, nullable=nullable, info={"json": True})


def _partial(condition: str) -> dict[str, Any]:
    """A partial index's WHERE on SQLite; PostgreSQL's is added by for_postgresql()."""
    return {"sqlite_where": text(condition), "info": {"where": condition}}


def for_postgresql() -> None:
    """Give each partial index its PostgreSQL WHERE too, before PostgreSQL tables are created.
    Not done at import: naming a PostgreSQL option loads that dialect (21 ms of every start)."""
    for table in metadata.tables.values():
        for index in table.indexes:
            if "where" in index.info:
                index.dialect_options["postgresql"]["where"] = text(index.info["where"])


EFFECTIVE = "effective = 1"
LIVE = "deleted_at IS NULL AND archived_at IS NULL"

seat_events = Table(
    "seat_events",
    metadata,
    _text("account_id", key=True),
    _text("id", key=True),
    _text("customer_event_id"),
    _text("customer_alias"),
    _text("seat_type"),
    _text("event_timestamp"),  # echoed exactly as sent
    _instant("event_time"),
    Column("total", Integer, nullable=False),
    _instant("created_at"),
    Column("effective", Integer, CheckConstraint("effective IN (0, 1)"), nullable=False),
    sqlite_with_rowid=False,
)
Index(
    "seat_events_effective",
    seat_events.c.account_id,
    seat_events.c.customer_event_id,
    unique=True,
    **_partial(EFFECTIVE),
)
Index(
    "seat_events_by_time",
    seat_events.c.account_id,
    seat_events.c.event_time,
    seat_events.c.id,
    **_partial(EFFECTIVE),
)
Index(
    "seat_events_by_series",
    seat_events.c.account_id,
    seat_events.c.customer_alias,
    seat_events.c.seat_type,
    seat_events.c.event_time,
    seat_events.c.id,
    **_partial(EFFECTIVE),
)

# One row per (alias, seat type) with effective versions, and how many: balances visit its rows.
seat_series = Table(
    "seat_series",
    metadata,
    _text("account_id", key=True),
    _text("customer_alias", key=True),
    _text("seat_type", key=True),
    Column("events", Integer, CheckConstraint("events > 0"), nullable=False),
    sqlite_with_rowid=False,
)

seat_metrics = Table(
    "seat_metrics",
    metadata,
    _text("account_id", key=True),
    _text("id", key=True),
    _text("seat_type"),
    _text("label"),
    _text("description", nullable=True),
    _instant("created_at"),
    _instant("updated_at"),
    _text("created_by", nullable=True),
    UniqueConstraint("account_id", "seat_type"),
    sqlite_with_rowid=False,
)

# Usage events: versions like seat events, their properties as JSON (BEHAVIOUR.md §12).
usage_events = Table(
    "usage_events",
    metadata,
    _text("account_id", key=True),
    _text("id", key=True),
    _text("customer_event_id"),
    _text("customer_alias"),
    _text("event_type"),
    _text("event_timestamp"),  # echoed exactly as sent
    _instant("event_time"),
    _json("event_properties"),
    _instant("created_at"),
    Column("effective", Integer, CheckConstraint("effective IN (0, 1)"), nullable=False),
    sqlite_with_rowid=False,
)
Index(
    "usage_events_effective",
    usage_events.c.account_id,
    usage_events.c.customer_event_id,
    unique=True,
    **_partial(EFFECTIVE),
)
Index(
    "usage_events_by_time",
    usage_events.c.account_id,
    usage_events.c.event_time,
    usage_events.c.id,
    **_partial(EFFECTIVE),
)
# What a calculation reads: one customer's events of one type in a period.
Index(
    "usage_events_by_type",
    usage_events.c.account_id,
    usage_events.c.event_type,
    usage_events.c.customer_alias,
    usage_events.c.event_time,
    usage_events.c.id,
    **_partial(EFFECTIVE),
)

# Per live metric, alias and UTC day, what the effective events that pass the metric's filters
# add up to, kept up to date on write: a calculation over whole days reads these rows, not the
# events. `total` is a SUM's exact decimal, as text.
usage_metric_days = Table(
    "usage_metric_days",
    metadata,
    _text("account_id", key=True),
    _text("metric_id", key=True),
    _text("customer_alias", key=True),
    Column("day", Integer, primary_key=True, autoincrement=False),  # days since the epoch
    Column("events", Integer, CheckConstraint("events > 0"), nullable=False),
    _text("total"),
    _text("min_id"),
    _text("max_id"),
    sqlite_with_rowid=False,
)
# A UNIQUE metric's values (emulator.domain.usage_calculation.value_text) per alias and day,
# with how many contributing events hold each.
usage_metric_values = Table(
    "usage_metric_values",
    metadata,
    _text("account_id", key=True),
    _text("metric_id", key=True),
    _text("customer_alias", key=True),
    Column("day", Integer, primary_key=True, autoincrement=False),
    _text("value", key=True),
    Column("events", Integer, CheckConstraint("events > 0"), nullable=False),
    sqlite_with_rowid=False,
)

# A deleted usage metric keeps its row, with deleted_at set.
usage_metrics = Table(
    "usage_metrics",
    metadata,
    _text("account_id", key=True),
    _text("id", key=True),
    _text("name"),
    _text("metric_type"),
    _text("event_type"),
    _text("aggregation_type"),
    _text("description", nullable=True),
    _text("aggregation_property", nullable=True),
    _text("grouping_property", nullable=True),
    _text("unit", nullable=True),
    _json("property_filters"),
    Column("case_sensitive", Integer, nullable=True, info={"boolean": True}),
    _json("properties_to_negate", nullable=True),
    _instant("created_at"),
    _instant("deleted_at", nullable=True),
    sqlite_with_rowid=False,
)

# A customer's nested fields are JSON in `details`; what lists filter and sort on has its own
# column (`emails`: folded_emails(), one per line; `folded_name`: the legal name case-folded).
customers = Table(
    "customers",
    metadata,
    _text("account_id", key=True),
    _text("id", key=True),
    _text("legal_name"),
    _text("label", nullable=True),
    _text("emails"),
    _text("parent_id", nullable=True),
    _instant("created_at"),
    _instant("archived_at", nullable=True),
    _text("details"),
    _text("folded_name"),  # added in schema version 3
    sqlite_with_rowid=False,
)
Index("customers_by_name", customers.c.account_id, customers.c.legal_name, customers.c.id)
Index(
    "customers_by_parent",
    customers.c.account_id,
    customers.c.parent_id,
    customers.c.id,
    **_partial("parent_id IS NOT NULL"),
)

# An alias is live while neither deleted_at nor archived_at is set; a value is unique among
# the live aliases of an account.
customer_aliases = Table(
    "customer_aliases",
    metadata,
    _text("account_id", key=True),
    _text("id", key=True),
    _text("customer_id"),
    _text("value"),
    _text("label", nullable=True),
    _instant("created_at"),
    _instant("deleted_at", nullable=True),
    _instant("archived_at", nullable=True),
    sqlite_with_rowid=False,
)
Index(
    "customer_aliases_live",
    customer_aliases.c.account_id,
    customer_aliases.c.value,
    unique=True,
    **_partial(LIVE),
)
Index(
    "customer_aliases_of_customer",
    customer_aliases.c.account_id,
    customer_aliases.c.customer_id,
    customer_aliases.c.id,
    **_partial(LIVE),
)

# Per Idempotency-Key, the alias its first request created.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    _text("account_id", key=True),
    _text("key", key=True),
    _instant("recorded_at"),
    _text("alias_id"),
    _text("customer_id"),
    _text("value"),
    _text("label", nullable=True),
    _instant("created_at"),
    sqlite_with_rowid=False,
)

# An account's company details, once updated (an account without a row answers placeholders);
# alert_email_addresses is a JSON list.
sequence_accounts = Table(
    "sequence_accounts",
    metadata,
    _text("account_id", key=True),
    _text("company_name"),
    _text("company_number"),
    _text("country"),
    Column(
        "send_customer_notifications",
        Integer,
        CheckConstraint("send_customer_notifications IN (0, 1)"),
        nullable=False,
    ),
    _text("alert_email_addresses"),
    sqlite_with_rowid=False,
)

# The test controls of a sandbox that several processes share (BEHAVIOUR.md §14): one clock
# row, the fault rules (JSON, with their counts apart), and the request journal.
emulator_clock = Table(
    "emulator_clock",
    metadata,
    Column("id", Integer, primary_key=True),
    _instant("frozen_at", nullable=True),
    Column("offset_us", BigInteger, nullable=False),
)

fault_rules = Table(
    "fault_rules",
    metadata,
    _text("id", key=True),
    Column("position", Integer, nullable=False),  # order added, whichever process added it
    _text("rule"),
    Column("remaining", Integer, nullable=True),
    Column("fired", Integer, nullable=False),
)

journal = Table(
    "journal",
    metadata,
    Column(
        "sequence",
        BigInteger().with_variant(Integer, "sqlite"),  # SQLite numbers only INTEGER keys
        primary_key=True,
        autoincrement=True,
    ),
    _instant("time"),
    _text("method"),
    _text("path"),
    _text("query"),  # JSON
    _text("headers"),  # JSON
    Column("body", LargeBinary, nullable=False),
    Column("body_truncated", Integer, nullable=False),
    Column("status", Integer, nullable=False),
    Column("response_body", LargeBinary, nullable=False),
    Column("response_truncated", Integer, nullable=False),
    _text("account_id", nullable=True),
    Column("duration_ms", Float, nullable=False),
    # Roughly the bytes the entry holds (JournalEntry.size): the journal is bounded by them too.
    Column("size", BigInteger, nullable=False, server_default=text("0")),
)

ACCOUNT_TABLES = (
    seat_events,
    seat_series,
    seat_metrics,
    usage_events,
    usage_metric_days,
    usage_metric_values,
    usage_metrics,
    customers,
    customer_aliases,
    idempotency_keys,
    sequence_accounts,
)
