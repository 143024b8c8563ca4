"""Seat metric flows, written once: one metric per seat type, immutable (BEHAVIOUR.md §7)."""

from __future__ import annotations

from datetime import datetime

from emulator.domain.seat_metrics import (
    DuplicateSeatTypeError,
    SeatMetric,
    SeatMetricDraft,
    SeatMetricUpdate,
    new_metric,
    updated_metric,
)
from emulator.rules.minting import Mint
from emulator.store import seat_metrics as rows
from emulator.store.database import Transaction


def create(
    transaction: Transaction, account_id: str, draft: SeatMetricDraft, mint: Mint
) -> SeatMetric:
    """A new metric, or DuplicateSeatTypeError."""
    if rows.seat_type_taken(transaction, account_id, draft.seat_type):
        raise DuplicateSeatTypeError(f"A seat metric for {draft.seat_type!r} already exists")
    minted = mint()
    metric = new_metric(draft, account_id, minted.id, minted.created_at)
    rows.insert(transaction, metric)
    return metric


def update(
    transaction: Transaction,
    account_id: str,
    metric_id: str,
    change: SeatMetricUpdate,
    now: datetime,
) -> SeatMetric | None:
    """Apply an update (ImmutableSeatTypeError if it changes the seat type); None if unknown."""
    metric = rows.find(transaction, account_id, metric_id)
    if metric is None:
        return None
    updated = updated_metric(metric, change, now)
    rows.replace(transaction, updated)
    return updated


def delete(transaction: Transaction, account_id: str, metric_id: str) -> SeatMetric | None:
    """Remove a metric and return it; None if unknown."""
    metric = rows.find(transaction, account_id, metric_id)
    if metric is not None:
        rows.delete(transaction, metric)
    return metric
