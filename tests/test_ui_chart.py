"""The balance chart's geometry: the steps are the balances GET /seat-balances would give."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timezone

from emulator.domain.ids import uuid7_from_parts
from emulator.domain.seat_events import SeatEvent
from emulator.ui.chart import Chart, Scale, balance_chart

APRIL = datetime(2024, 4, 1, tzinfo=timezone.utc)
MAY = datetime(2024, 5, 1, tzinfo=timezone.utc)
_ids = itertools.count(1)


def event(
    day: int, total: int, key: str, alias: str = "acme", seat: str = "admin", month: int = 4
) -> SeatEvent:
    """A version dated on a day of 2024, received after every earlier one (ids increase)."""
    at = datetime(2024, month, day, tzinfo=timezone.utc)
    return SeatEvent(
        id=uuid7_from_parts(1_700_000_000_000 + next(_ids), 0),
        account_id="a",
        customer_event_id=key,
        customer_alias=alias,
        seat_type=seat,
        event_timestamp=at.isoformat(),
        event_time=at,
        total=total,
        created_at=at,
    )


def steps(chart: Chart, seat_type: str = "admin") -> list[int]:
    """The balances the step line goes through, read back from its path."""
    scale = Scale(APRIL, MAY, int(chart.y_ticks[-1].label))
    line = next(line for line in chart.lines if line.seat_type == seat_type)
    heights = [float(y) for y in re.findall(r"(?:M[\d.]+ |V)([\d.]+)", line.path)]
    return [next(t for t in range(scale.top + 1) if scale.y(t) == y) for y in heights]


def test_the_line_starts_at_the_balance_in_force_and_steps_at_each_change() -> None:
    before, up, down = event(20, 4, "a", month=3), event(10, 9, "b"), event(20, 2, "c")
    chart = balance_chart([before, up, down], [before, up, down], APRIL, MAY, MAY)
    assert steps(chart) == [4, 9, 2]
    assert [(line.first, line.last) for line in chart.lines] == [(4, 2)]
    assert len(chart.lines[0].marks) == 2  # the changes inside the period


def test_at_one_instant_the_later_received_counts() -> None:
    first, second = event(10, 7, "a"), event(10, 3, "b")
    chart = balance_chart([first, second], [first, second], APRIL, MAY, MAY)
    assert steps(chart) == [0, 3]


def test_a_void_version_leaves_the_line_and_is_marked_apart() -> None:
    kept, voided = event(5, 6, "a"), event(12, 10, "b")
    void = event(12, 10, "b", alias="VOID")
    chart = balance_chart([kept], [kept, voided, void], APRIL, MAY, MAY)
    assert steps(chart) == [0, 6]
    assert sorted(mark.kind for mark in chart.ghosts) == ["superseded", "void"]


def test_each_seat_type_has_its_own_line_and_colour() -> None:
    admin, user = event(3, 2, "a"), event(4, 5, "b", seat="user")
    chart = balance_chart([admin, user], [admin, user], APRIL, MAY, MAY)
    assert [line.seat_type for line in chart.lines] == ["admin", "user"]
    assert len({line.colour for line in chart.lines}) == 2
    assert chart.now_x is None  # now (May) is outside [April, May)
