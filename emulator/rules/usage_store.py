"""The Store's usage operations: each is one transaction running one rule (BEHAVIOUR.md §12)."""

from __future__ import annotations

from datetime import datetime

from emulator.domain.pages import Page, PageRequest
from emulator.domain.usage_calculation import Calculation, CalculationRequest
from emulator.domain.usage_event_query import UsageEventQuery
from emulator.domain.usage_events import UsageEvent, UsageEventDraft
from emulator.domain.usage_metrics import UsageMetric, UsageMetricDraft, UsageMetricFilter
from emulator.rules import usage_events, usage_metrics
from emulator.rules.minting import Mint, Observe, observed
from emulator.store import accounts as account_rows
from emulator.store import tables
from emulator.store import usage_events as event_rows
from emulator.store import usage_metrics as metric_rows
from emulator.store.database import Database


class UsageStore:
    """Usage events and usage metrics per account; the Store's base."""

    database: Database
    _observe: Observe | None

    def save_usage_event(
        self, account_id: str, draft: UsageEventDraft, mint: Mint
    ) -> tuple[UsageEvent, bool]:
        """Store `draft` under supersession; the effective event, and whether it is new."""
        with self.database.write(account_id) as c:
            minting = observed(mint, self._observe, c, account_id, "usage_events")
            return usage_events.save(c, account_id, draft, minting)

    def list_usage_events(self, account_id: str, query: UsageEventQuery) -> Page[UsageEvent]:
        """One page of the account's effective usage events."""
        with self.database.read() as c:
            return event_rows.page(c, account_id, query)

    def count_usage_events(self, account_id: str | None = None) -> int:
        """How many versions are stored, in one account or in all."""
        with self.database.read() as c:
            return account_rows.count(c, tables.usage_events, account_id)

    def create_usage_metric(
        self, account_id: str, draft: UsageMetricDraft, mint: Mint
    ) -> UsageMetric:
        """Store a new metric, or UsageMetricRuleError."""
        with self.database.write(account_id) as c:
            minting = observed(mint, self._observe, c, account_id, "usage_metrics")
            return usage_metrics.create(c, account_id, draft, minting)

    def usage_metric(self, account_id: str, metric_id: str) -> UsageMetric | None:
        """One live metric by id."""
        with self.database.read() as c:
            return metric_rows.find(c, account_id, metric_id)

    def update_usage_metric(
        self, account_id: str, metric_id: str, draft: UsageMetricDraft
    ) -> UsageMetric | None:
        """Replace a live metric's fields, or UsageMetricRuleError; None if unknown."""
        with self.database.write(account_id) as c:
            return usage_metrics.update(c, account_id, metric_id, draft)

    def delete_usage_metric(
        self, account_id: str, metric_id: str, now: datetime
    ) -> UsageMetric | None:
        """Mark a live metric deleted and return it; None if unknown."""
        with self.database.write(account_id) as c:
            return usage_metrics.delete(c, account_id, metric_id, now)

    def list_usage_metrics(
        self, account_id: str, page: PageRequest[str], wanted: UsageMetricFilter
    ) -> Page[UsageMetric]:
        """One page of the account's live metrics, by creation."""
        with self.database.read() as c:
            return metric_rows.page(c, account_id, page, wanted)

    def count_usage_metrics(self, account_id: str | None = None) -> int:
        """How many live metrics exist, in one account or in all."""
        with self.database.read() as c:
            return metric_rows.live_count(c, account_id)

    def calculate_usage(
        self, account_id: str, metric_id: str, asked: CalculationRequest
    ) -> tuple[UsageMetric, Calculation] | None:
        """A live metric over the customers' events in the period; None if unknown."""
        with self.database.snapshot() as c:  # the totals and the part-days seen at one moment
            return usage_metrics.calculate(c, account_id, metric_id, asked)
