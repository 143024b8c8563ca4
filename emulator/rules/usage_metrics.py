"""Usage metric flows, written once: create, update, delete, and calculation over the stored
events (BEHAVIOUR.md §12)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from emulator.domain.usage_calculation import Calculation, CalculationRequest
from emulator.domain.usage_metrics import (
    UsageMetric,
    UsageMetricDraft,
    counts_differently,
    deleted_usage_metric,
    new_usage_metric,
    updated_usage_metric,
)
from emulator.rules import usage_totals
from emulator.rules.minting import Mint
from emulator.store import customers as customer_rows
from emulator.store import usage_metrics as rows
from emulator.store.database import Transaction


def create(
    transaction: Transaction, account_id: str, draft: UsageMetricDraft, mint: Mint
) -> UsageMetric:
    """A new metric (a name may repeat: Sequence only says it "should be unique")."""
    minted = mint()
    metric = new_usage_metric(draft, account_id, minted.id, minted.created_at)
    rows.insert(transaction, metric)
    usage_totals.rebuild(transaction, metric)
    return metric


def update(
    transaction: Transaction, account_id: str, metric_id: str, draft: UsageMetricDraft
) -> UsageMetric | None:
    """Replace every field of a live metric; None if unknown or deleted."""
    metric = rows.find(transaction, account_id, metric_id)
    if metric is None:
        return None
    updated = updated_usage_metric(metric, draft)
    rows.replace(transaction, updated)
    if counts_differently(metric, updated):  # a new name or unit keeps the totals
        usage_totals.rebuild(transaction, updated)
    return updated


def delete(
    transaction: Transaction, account_id: str, metric_id: str, now: datetime
) -> UsageMetric | None:
    """Mark a live metric deleted and return it; None if unknown or deleted already."""
    metric = rows.find(transaction, account_id, metric_id)
    if metric is None:
        return None
    deleted = deleted_usage_metric(metric, now)
    rows.replace(transaction, deleted)
    usage_totals.rebuild(transaction, deleted)
    return deleted


def calculate(
    transaction: Transaction, account_id: str, metric_id: str, asked: CalculationRequest
) -> tuple[UsageMetric, Calculation] | None:
    """The metric over the customers' effective events in the period (CustomMetricError for a
    CUSTOM metric); None if the metric is unknown or deleted."""
    metric = rows.find(transaction, account_id, metric_id)
    if metric is None:
        return None
    aliases = _aliases(transaction, account_id, asked.customer_aliases)
    period = (asked.start, asked.end)
    return metric, usage_totals.calculate(transaction, metric, aliases, period)


def _aliases(transaction: Transaction, account_id: str, named: Collection[str]) -> set[str]:
    """Each value named, and for each customer one stands for (by alias or by id), its id and
    every live alias (BEHAVIOUR.md §11); an unknown value stands for itself."""
    owners = customer_rows.owners(transaction, account_id, named)
    found = customer_rows.refs(transaction, account_id, set(owners.values()))
    aliases = set(named) | found.keys()
    for customer in found.values():
        aliases.update(customer.aliases)
    return aliases
