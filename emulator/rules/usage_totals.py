"""Every live usage metric's totals per alias and day, kept in step with the effective events,
and a calculation that reads them for whole days and the events only for part-days at the
ends of its period (BEHAVIOUR.md §12)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from emulator.domain.seat_event_query import micros
from emulator.domain.seat_events import VOID_ALIAS
from emulator.domain.usage_calculation import (
    Calculation,
    MetricRule,
    Tally,
    end_micros,
)
from emulator.domain.usage_events import UsageEvent
from emulator.domain.usage_metrics import CUSTOM, UsageMetric
from emulator.store import accounts as account_rows
from emulator.store import usage_events as event_rows
from emulator.store import usage_metrics as metric_rows
from emulator.store import usage_totals as totals
from emulator.store.database import Transaction
from emulator.store.usage_totals import DAY_US, DayTotal, Place


def _rules(transaction: Transaction, event: UsageEvent) -> list[MetricRule]:
    """The rules of the live metrics an event may count in (CUSTOM ones keep no totals)."""
    if event.customer_alias == VOID_ALIAS:
        return []
    metrics = metric_rows.live_of_type(transaction, event.account_id, event.event_type)
    return [MetricRule(m) for m in metrics if m.aggregation_type != CUSTOM]


def _place(metric: UsageMetric, alias: str, when: datetime) -> Place:
    return Place(metric.account_id, metric.id, alias, totals.day_of(when))


def count_in(transaction: Transaction, event: UsageEvent) -> None:
    """A new effective version counts in every metric it contributes to."""
    for rule in _rules(transaction, event):
        part = rule.contribution(event.event_properties)
        if part is not None:
            place = _place(rule.metric, event.customer_alias, event.event_time)
            totals.add(transaction, place, event.id, part.amount, part.value)


def count_out(transaction: Transaction, event: UsageEvent) -> None:
    """A retired version (already marked so) stops counting where it contributed."""
    for rule in _rules(transaction, event):
        part = rule.contribution(event.event_properties)
        if part is None:
            continue
        place = _place(rule.metric, event.customer_alias, event.event_time)
        if totals.remove(transaction, place, event.id, part.amount, part.value):
            _find_bounds(transaction, rule, place)


def _find_bounds(transaction: Transaction, rule: MetricRule, place: Place) -> None:
    """Set a place's smallest and largest contributing id again, from its day's events."""
    day = (place.day * DAY_US, (place.day + 1) * DAY_US)
    found = event_rows.of_type(
        transaction, place.account_id, rule.metric.event_type, [place.customer_alias], day
    )
    ids = [event_id for event_id, _, _, p in found if rule.contribution(p) is not None]
    totals.set_bounds(transaction, place, min(ids), max(ids))


def rebuild(transaction: Transaction, metric: UsageMetric) -> None:
    """A metric's totals added up again from every effective event (a new or edited metric,
    an import); a deleted or CUSTOM metric keeps none."""
    totals.forget(transaction, metric.account_id, metric.id)
    if metric.deleted_at is not None or metric.aggregation_type == CUSTOM:
        return
    rule = MetricRule(metric)
    built: dict[Place, DayTotal] = {}
    for event_id, alias, when, properties in event_rows.of_type(
        transaction, metric.account_id, metric.event_type
    ):
        part = rule.contribution(properties)
        if part is None:
            continue
        place = _place(metric, alias, when)
        if place in built:
            built[place].add(event_id, part.amount, part.value)
        else:
            built[place] = DayTotal.of(event_id, part.amount, part.value)
    totals.insert(transaction, built)


def rebuild_account(transaction: Transaction, account_id: str) -> None:
    """Every live metric's totals of an account, added up again."""
    for metric in metric_rows.live(transaction, account_id):
        rebuild(transaction, metric)


def upgrade(transaction: Transaction, version: int) -> None:
    """A database from before version 6 kept no metric totals: add them up for every account."""
    if version < 6:
        for account_id in account_rows.account_ids(transaction):
            rebuild_account(transaction, account_id)


def calculate(
    transaction: Transaction,
    metric: UsageMetric,
    aliases: Collection[str],
    period: tuple[datetime, datetime],
) -> Calculation:
    """The metric over the aliases' effective events in [start, end): whole days from the
    totals, the part-days at either end from the events (CustomMetricError for CUSTOM)."""
    rule = MetricRule(metric)
    tally = Tally()
    start, end = micros(period[0]), end_micros(period[1])
    first, last = totals.whole_days(start, end)
    if first >= last:
        _count_events(transaction, rule, tally, aliases, (start, end))
        return tally.result(rule.kind)
    chosen = set(aliases) - {VOID_ALIAS}
    span = (first, last)
    for events, total, low, high in totals.over_days(
        transaction, metric.account_id, metric.id, chosen, span
    ):
        tally.merge(events, total, low, high)
    _count_events(transaction, rule, tally, aliases, (start, first * DAY_US))
    _count_events(transaction, rule, tally, aliases, (last * DAY_US, end))
    if rule.kind == "UNIQUE":
        _distinct_over_days(transaction, metric, tally, chosen, span)
    return tally.result(rule.kind)


FEW_VALUES = 500  # part-day values looked up by name; more, and the whole days' are read


def _distinct_over_days(
    transaction: Transaction,
    metric: UsageMetric,
    tally: Tally,
    aliases: Collection[str],
    span: tuple[int, int],
) -> None:
    """Add the whole days' distinct values to the part-days' ones in `tally`: counted by the
    database when the part-days hold few, else read and joined."""
    where = (transaction, metric.account_id, metric.id, aliases, span)
    if len(tally.values) <= FEW_VALUES:
        apart, known = totals.distinct_values(*where, tally.values)
        tally.values -= known  # already among the whole days' values
        tally.values_apart = apart
    else:
        tally.values |= totals.values_over_days(*where)


def _count_events(
    transaction: Transaction,
    rule: MetricRule,
    tally: Tally,
    aliases: Collection[str],
    span_us: tuple[int, int],
) -> None:
    """Add the contributing events of [start, end) (microseconds) one by one."""
    if span_us[0] >= span_us[1]:
        return
    metric = rule.metric
    for event_id, _, _, properties in event_rows.of_type(
        transaction, metric.account_id, metric.event_type, aliases, span_us
    ):
        part = rule.contribution(properties)
        if part is not None:
            tally.count(event_id, part)
