"""Usage metric rows; a deleted metric keeps its row (deleted_at set)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import ColumnElement, bindparam, func, select

from emulator.domain.pages import Page, PageRequest
from emulator.domain.usage_metrics import UsageMetric, UsageMetricFilter
from emulator.store.database import Transaction
from emulator.store.listing import Listing
from emulator.store.rows import USAGE_METRICS
from emulator.store.statements import Prepared, by_id, replacement, replacing
from emulator.store.tables import usage_metrics as metrics

SELECT_METRICS = select(*USAGE_METRICS.columns)
INSERT = Prepared(metrics.insert())
FIND = Prepared(SELECT_METRICS.where(by_id(metrics), metrics.c.deleted_at.is_(None)))
REPLACE = replacing(metrics)
OF_TYPE = Prepared(
    SELECT_METRICS.where(
        metrics.c.account_id == bindparam("account_id"),
        metrics.c.event_type == bindparam("event_type"),
        metrics.c.deleted_at.is_(None),
    )
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
LIVE_COUNT = select(func.count()).select_from(metrics).where(metrics.c.deleted_at.is_(None))


def find(transaction: Transaction, account_id: str, metric_id: str) -> UsageMetric | None:
    """One metric by id, unless deleted."""
    row = transaction.first(FIND, {"account_id": account_id, "id": metric_id})
    return None if row is None else USAGE_METRICS.load(row)


def live_of_type(transaction: Transaction, account_id: str, event_type: str) -> list[UsageMetric]:
    """The live metrics of one event type."""
    found = {"account_id": account_id, "event_type": event_type}
    return [USAGE_METRICS.load(row) for row in transaction.rows(OF_TYPE, found)]


def live(transaction: Transaction, account_id: str) -> list[UsageMetric]:
    """Every live metric of the account."""
    return [m for m in all_metrics(transaction, account_id) if m.deleted_at is None]


def insert(transaction: Transaction, *metric: UsageMetric) -> None:
    """Store metrics as they are."""
    if metric:
        transaction.run_many(INSERT, [USAGE_METRICS.values(m) for m in metric])


def replace(transaction: Transaction, metric: UsageMetric) -> None:
    """Store a metric's new values."""
    transaction.run(REPLACE, replacement(USAGE_METRICS.values(metric)))


def page(
    transaction: Transaction,
    account_id: str,
    request: PageRequest[str],
    wanted: UsageMetricFilter,
) -> Page[UsageMetric]:
    """One page of the account's live metrics passing the list filters, by creation."""
    query = SELECT_METRICS.where(*_conditions(account_id, wanted))
    return Listing(query, [metrics.c.id]).page(transaction, request, USAGE_METRICS.load)


def _conditions(account_id: str, wanted: UsageMetricFilter) -> Iterator[ColumnElement[bool]]:
    yield metrics.c.account_id == account_id
    yield metrics.c.deleted_at.is_(None)
    for column, text in (("name", wanted.name), ("id", wanted.id)):
        if text is not None:
            yield _contains(func.lower(metrics.c[column]), text)
    listed = (
        ("event_type", wanted.event_types),
        ("aggregation_property", wanted.event_properties),
        ("aggregation_type", wanted.aggregation_types),
    )
    for column, values in listed:
        if values is not None:
            yield metrics.c[column].in_(sorted(values))


def _contains(folded: ColumnElement[str], text: str) -> ColumnElement[bool]:
    """Sequence's "case-insensitive substring": `folded` (lower() of a column) holds `text`,
    no character of it read as a wildcard. Both databases' lower() folds ASCII only (the
    columns compare byte-wise), so the text is folded the same way."""
    needle = text.translate(_ASCII_LOWER)
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return folded.like(f"%{escaped}%", escape="\\")


def all_metrics(transaction: Transaction, account_id: str) -> list[UsageMetric]:
    """Every metric of the account, deleted ones too, in id order."""
    query = SELECT_METRICS.where(metrics.c.account_id == account_id).order_by(metrics.c.id)
    return [USAGE_METRICS.load(row) for row in transaction.rows(query)]


def live_count(transaction: Transaction, account_id: str | None = None) -> int:
    """Metrics not deleted, in one account or in all."""
    query = LIVE_COUNT
    if account_id is not None:
        query = query.where(metrics.c.account_id == account_id)
    return int(transaction.scalar(query))
