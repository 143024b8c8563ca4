"""Seat metrics: named seat types that prices can refer to (BEHAVIOUR.md §7)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime


class DuplicateSeatTypeError(ValueError):
    """A seat metric for this seat type already exists in the account."""


class ImmutableSeatTypeError(ValueError):
    """An update tried to change a metric's seat type."""


@dataclass(frozen=True, slots=True)
class SeatMetricDraft:
    """A seat metric as a client asked for it."""

    seat_type: str
    label: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class SeatMetricUpdate:
    """The new label and description; seat_type only to check it is unchanged."""

    label: str
    description: str | None = None
    seat_type: str | None = None


@dataclass(frozen=True, slots=True)
class SeatMetric:
    """A stored seat metric."""

    id: str
    account_id: str
    seat_type: str
    label: str
    description: str | None
    created_at: datetime
    updated_at: datetime
    created_by: str | None = None  # no Sequence users exist in the emulator


def new_metric(
    draft: SeatMetricDraft, account_id: str, metric_id: str, now: datetime
) -> SeatMetric:
    """The metric a draft creates."""
    return SeatMetric(
        metric_id, account_id, draft.seat_type, draft.label, draft.description, now, now
    )


def updated_metric(metric: SeatMetric, update: SeatMetricUpdate, now: datetime) -> SeatMetric:
    """The metric after an update; the seat type never changes."""
    if update.seat_type is not None and update.seat_type != metric.seat_type:
        raise ImmutableSeatTypeError(
            f"seatType is immutable: this metric's is {metric.seat_type!r}"
        )
    return replace(metric, label=update.label, description=update.description, updated_at=now)
