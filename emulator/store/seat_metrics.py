"""Seat metric rows."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from emulator.domain.pages import Page, PageRequest
from emulator.domain.seat_metrics import SeatMetric
from emulator.store.database import Transaction
from emulator.store.listing import Listing
from emulator.store.rows import METRICS
from emulator.store.statements import Prepared, by_id, replacement, replacing
from emulator.store.tables import seat_metrics as metrics

SELECT_METRICS = select(*METRICS.columns)
INSERT = Prepared(metrics.insert())
FIND = Prepared(SELECT_METRICS.where(by_id(metrics)))
REPLACE = replacing(metrics)
DELETE = Prepared(metrics.delete().where(by_id(metrics)))
SEAT_TYPE_TAKEN = Prepared(
    select(metrics.c.id).where(
        metrics.c.account_id == bindparam("account_id"),
        metrics.c.seat_type == bindparam("seat_type"),
    )
)


def find(transaction: Transaction, account_id: str, metric_id: str) -> SeatMetric | None:
    """One metric by id."""
    row = transaction.first(FIND, {"account_id": account_id, "id": metric_id})
    return None if row is None else METRICS.load(row)


def seat_type_taken(transaction: Transaction, account_id: str, seat_type: str) -> bool:
    """Whether a metric of the account already has this seat type."""
    key = {"account_id": account_id, "seat_type": seat_type}
    return transaction.first(SEAT_TYPE_TAKEN, key) is not None


def insert(transaction: Transaction, *metric: SeatMetric) -> None:
    """Store metrics as they are."""
    if metric:
        transaction.run_many(INSERT, [METRICS.values(m) for m in metric])


def replace(transaction: Transaction, metric: SeatMetric) -> None:
    """Store a metric's new values."""
    transaction.run(REPLACE, replacement(METRICS.values(metric)))


def delete(transaction: Transaction, metric: SeatMetric) -> None:
    """Remove a metric."""
    transaction.run(DELETE, {"account_id": metric.account_id, "id": metric.id})


def page(transaction: Transaction, account_id: str, request: PageRequest[str]) -> Page[SeatMetric]:
    """One page of the account's metrics, by creation."""
    query = SELECT_METRICS.where(metrics.c.account_id == account_id)
    return Listing(query, [metrics.c.id]).page(transaction, request, METRICS.load)


def all_metrics(transaction: Transaction, account_id: str) -> list[SeatMetric]:
    """Every metric of the account, in id order."""
    query = SELECT_METRICS.where(metrics.c.account_id == account_id).order_by(metrics.c.id)
    return [METRICS.load(row) for row in transaction.rows(query)]
