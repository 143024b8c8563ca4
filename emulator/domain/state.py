"""A whole account's data, as exported, imported and seeded (BEHAVIOUR.md §9)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from emulator.domain.seat_events import Minted, SeatEvent
from emulator.domain.seat_metrics import SeatMetric


@dataclass(frozen=True)
class AccountState:
    """Every stored version of every seat event (in id order), and every seat metric.

    A hand-written seed may leave ids out (empty strings); with_minted_ids fills them.
    """

    account_id: str
    seat_events: tuple[SeatEvent, ...] = ()
    seat_metrics: tuple[SeatMetric, ...] = ()

    def ids(self) -> Iterator[str]:
        """Every id the document gives."""
        yield from (event.id for event in self.seat_events if event.id)
        yield from (metric.id for metric in self.seat_metrics if metric.id)


def with_minted_ids(state: AccountState, mint: Callable[[], Minted]) -> AccountState:
    """The state with an id and a received time for every event or metric that lacks one."""
    return replace(
        state,
        seat_events=tuple(_event_with_id(event, mint) for event in state.seat_events),
        seat_metrics=tuple(_metric_with_id(metric, mint) for metric in state.seat_metrics),
    )


def _event_with_id(event: SeatEvent, mint: Callable[[], Minted]) -> SeatEvent:
    if event.id:
        return event
    minted = mint()
    return replace(
        event,
        id=minted.id,
        customer_event_id=event.customer_event_id or minted.id,
        created_at=minted.created_at,
    )


def _metric_with_id(metric: SeatMetric, mint: Callable[[], Minted]) -> SeatMetric:
    if metric.id:
        return metric
    minted = mint()
    return replace(metric, id=minted.id, created_at=minted.created_at, updated_at=minted.created_at)
