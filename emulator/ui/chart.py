"""A customer's seat balance over time as an SVG step chart: the geometry only, with balances
read by the same rule as GET /seat-balances (domain.balances.SeatSeries, BEHAVIOUR.md §6)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from emulator.domain.balances import SeatSeries
from emulator.domain.seat_events import SeatEvent

WIDTH, HEIGHT = 900, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 40, 16, 36  # room for the labels of the axes
PALETTE = ("#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#b91c1c")
X_TICKS = 6


@dataclass(frozen=True)
class Scale:
    """Instants and totals to coordinates inside the plot area."""

    start: datetime
    end: datetime
    top: int

    def x(self, instant: datetime) -> float:
        """Where an instant falls, clamped to the period."""
        share = (instant - self.start) / (self.end - self.start)
        return round(LEFT + min(max(share, 0.0), 1.0) * (WIDTH - LEFT - RIGHT), 1)

    def y(self, total: int) -> float:
        """Where a balance falls."""
        return round(HEIGHT - BOTTOM - total / self.top * (HEIGHT - TOP - BOTTOM), 1)


@dataclass(frozen=True)
class Mark:
    """One version on the chart: a change that counts, or one that no longer does."""

    x: float
    y: float
    kind: str  # "change", "superseded" or "void"
    event: SeatEvent


@dataclass(frozen=True)
class Line:
    """One seat type's balance as a step line, and its changes."""

    seat_type: str
    colour: str
    path: str
    marks: tuple[Mark, ...]
    first: int  # the balance at the start of the period
    last: int  # the balance at its end


@dataclass(frozen=True)
class Tick:
    """An axis label at a coordinate."""

    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Everything the template draws."""

    lines: tuple[Line, ...]
    ghosts: tuple[Mark, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    now_x: float | None
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM
    right: int = WIDTH - RIGHT
    top: int = TOP


def balance_chart(
    effective: Sequence[SeatEvent],
    versions: Sequence[SeatEvent],
    start: datetime,
    end: datetime,
    now: datetime,
) -> Chart:
    """The chart of `effective` events (one customer's) over [start, end), with the
    superseded and VOID ones among `versions` (every version of their keys) marked apart."""
    by_type = _series(effective)
    ghosts = [v for v in _no_longer_counting(versions) if start <= v.event_time < end]
    steps = {kind: _steps(series, effective, kind, start, end) for kind, series in by_type.items()}
    totals = [total for found in steps.values() for _, total in found] + [g.total for g in ghosts]
    scale = Scale(start, end, _nice_top(max(totals, default=0)))
    lines = tuple(
        _line(kind, PALETTE[index % len(PALETTE)], steps[kind], effective, scale)
        for index, kind in enumerate(sorted(by_type))
    )
    return Chart(
        lines=lines,
        ghosts=tuple(_ghost(version, scale) for version in ghosts),
        x_ticks=_time_ticks(scale),
        y_ticks=_total_ticks(scale),
        now_x=scale.x(now) if start <= now < end else None,
    )


def _series(effective: Iterable[SeatEvent]) -> dict[str, SeatSeries]:
    """One series per seat type; VOID versions count in no balance."""
    found: dict[str, SeatSeries] = {}
    for event in effective:
        if not event.is_void:
            found.setdefault(event.seat_type, SeatSeries()).add(event)
    return found


def _steps(
    series: SeatSeries,
    effective: Iterable[SeatEvent],
    seat_type: str,
    start: datetime,
    end: datetime,
) -> list[tuple[datetime, int]]:
    """The balance at the start, then at each instant in the period where an event lands."""
    instants = sorted(
        {
            e.event_time
            for e in effective
            if e.seat_type == seat_type and not e.is_void and start < e.event_time < end
        }
    )
    return [(at, _total(series.in_force(at))) for at in [start, *instants]]


def _total(event: SeatEvent | None) -> int:
    return 0 if event is None else event.total


def _no_longer_counting(versions: Sequence[SeatEvent]) -> list[SeatEvent]:
    """Versions superseded by a later one, and effective VOID versions (versions in id order)."""
    last = {version.customer_event_id: version for version in versions}
    return [v for v in versions if last[v.customer_event_id] is not v or v.is_void]


def _line(
    seat_type: str,
    colour: str,
    steps: list[tuple[datetime, int]],
    effective: Iterable[SeatEvent],
    scale: Scale,
) -> Line:
    path = [f"M{scale.x(steps[0][0])} {scale.y(steps[0][1])}"]
    path += [f"H{scale.x(at)} V{scale.y(total)}" for at, total in steps[1:]]
    path.append(f"H{scale.x(scale.end)}")
    marks = tuple(
        Mark(scale.x(e.event_time), scale.y(e.total), "change", e)
        for e in effective
        if e.seat_type == seat_type and not e.is_void and scale.start <= e.event_time < scale.end
    )
    return Line(seat_type, colour, " ".join(path), marks, steps[0][1], steps[-1][1])


def _ghost(version: SeatEvent, scale: Scale) -> Mark:
    kind = "void" if version.is_void else "superseded"
    return Mark(scale.x(version.event_time), scale.y(version.total), kind, version)


def _nice_top(highest: int) -> int:
    """A round number at or above the highest balance shown (at least 1)."""
    step = _nice_step(max(highest, 1))
    return max(step, math.ceil(highest / step) * step)


def _nice_step(highest: int) -> int:
    """1, 2 or 5 times a power of ten: about four steps up to `highest`."""
    raw = max(highest / 4, 1)
    power = int(10 ** math.floor(math.log10(raw)))
    return next(factor * power for factor in (1, 2, 5, 10) if factor * power >= raw)


def _total_ticks(scale: Scale) -> tuple[Tick, ...]:
    step = _nice_step(scale.top)
    return tuple(Tick(scale.y(total), str(total)) for total in range(0, scale.top + 1, step))


def _time_ticks(scale: Scale) -> tuple[Tick, ...]:
    span = scale.end - scale.start
    shape = "%Y-%m-%d" if span >= timedelta(days=2) else "%m-%d %H:%M"
    instants = (scale.start + span * index / X_TICKS for index in range(X_TICKS + 1))
    return tuple(Tick(scale.x(at), at.strftime(shape)) for at in instants)
