"""Seat charges: what Sequence would bill a customer for a seat type and period (BEHAVIOUR.md §10).

`seat_charge(events, start, end, price)` is a pure function of the effective events of one customer
and seat type (the caller drops superseded versions), the period `[start, end)` and a price in
Sequence's `SeatBasedPricingStructure` terms. Every line is computed exactly (fractions of a day
are kept as fractions) and rounded half-up to 2 places once; the charge's amount is the sum of its
lines.

§10 leaves these open; they are decided here, the same way for every strategy:

- **Periods are whole UTC days.** `start` and `end` must be aware datetimes at midnight UTC (a bare
  date, as the timestamp rule reads it); anything else names `startDate` / `endDate`.
- **An event counts from its UTC calendar day**: 27 seats added at 23:59 on 18 April are billed for
  18 April (rem counts the day of the change).
- **Instants, not events.** Events at one instant count once, as the later received (greater id),
  since §6 never lets the earlier one be in force; a balance that was never held is never billed.
  VOID versions are skipped even if the caller passes them. Events before `start` only set B(S);
  an event exactly at `start` is in force at S; events at or after `end` are ignored.
- **The contracted minimum floors B(t) at every instant**, for every strategy: B(S), B(E-ε), each
  change, each day's highest balance. Adding seats below the minimum is free; with no events at
  all every strategy bills the minimum for the whole period.
- **No strategy (`prorationStrategy` null)** is what §10 calls "no proration": IN_ADVANCE bills
  B(S), IN_ARREARS bills B(E-ε), each for the whole period.
- **USE_MAXIMUM and PRORATE_INCREMENTS** bill B(S) for the whole period, then each new
  high-water mark (H_i - H_{i-1}) on its own line: for the whole period under USE_MAXIMUM (their
  sum is the highest balance), for rem(day_i) under PRORATE_INCREMENTS. The two share their lines
  but for the days, so USE_MAXIMUM is never below PRORATE_INCREMENTS, even after rounding.
- **PRORATE_ALL_CHANGES** bills each run of days with one highest balance on its own line
  (seats * days of the run / N), which is exactly (1/N) * Σ_days highest balance; with no change
  in the period it bills B(S) for the whole period, as the other strategies do. Runs are never
  negative, so no rounding of a credit can make a bill negative.
- **IN_ADVANCE with a strategy** bills the B(S) lines in advance, at the start; what changed in
  the period is its true-up, billed in arrears at the end (as Sequence bills overages), never left
  to the next period's B(S). USE_MAXIMUM and PRORATE_INCREMENTS true up with their increment
  lines. PRORATE_ALL_CHANGES, which can credit, reverses the advance lines at the end and bills
  the runs instead. So the billing type moves lines in time and never changes a strategy's amount.
- **Tiers** (graduated; they replace `pricePerSeat`): tier i holds seats (upperBound[i-1],
  upperBound[i]]; the last tier must be unbounded. Each layer of seats is priced at the tiers it
  falls in. A tier is reached when one seat falls in it; its fee is charged once per period, in
  full (never prorated), on the first line that reaches it (a reversed advance returns its fee,
  and the run that reaches the tier again charges it).
- **Quantity** is Σ seats * days/N over the lines (whole-period lines count 1): exact as
  `exact_quantity` (a Fraction), and as a Decimal that is exact when the expansion ends, else
  rounded half-up to 12 places. A reversal's amount is exactly the negated advance.
- **Rounding per line** means strategies compare exactly on quantities; on amounts a line can
  gain half a cent, so e.g. PRORATE_ALL_CHANGES can round above USE_MAXIMUM when a price per seat
  has more than 2 decimal places.
- Lines with no seats are left out, so a period with no seats has no lines and amount 0.00.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

from emulator.domain.balances import SeatSeries
from emulator.domain.charge_terms import (
    BillingType,
    ProrationStrategy,
    SeatPrice,
    charge_input_problems,
    round_cents,
    to_decimal,
)
from emulator.domain.seat_events import SeatEvent


@dataclass(frozen=True)
class ChargeLine:
    """One priced layer of seats at `rate`, plus `fee`; negative only to reverse an advance."""

    description: str
    seats: int
    days: int | None  # None: the whole period, not prorated
    period_days: int
    rate: Decimal
    tier: int | None  # index into the price's tiers; None for a flat price
    fee: Decimal
    amount: Decimal  # exact_amount rounded half-up to 2 places
    since: date  # the first day of the `days` the line covers (or of the whole period)
    in_advance: bool  # billed at the start of the period rather than at its end

    @property
    def exact_quantity(self) -> Fraction:
        """Seats * days/N, or seats for a whole-period line."""
        if self.days is None:
            return Fraction(self.seats)
        return Fraction(self.seats * self.days, self.period_days)

    @property
    def exact_amount(self) -> Fraction:
        """The line's money before rounding."""
        return self.exact_quantity * Fraction(self.rate) + Fraction(self.fee)


@dataclass(frozen=True)
class SeatCharge:
    """What a period bills: the quantity, the amount and the lines that explain them."""

    quantity: Decimal
    amount: Decimal
    lines: tuple[ChargeLine, ...]

    @classmethod
    def of(cls, lines: Sequence[ChargeLine]) -> SeatCharge:
        """The charge made of `lines`: their quantities and rounded amounts summed."""
        exact = sum((line.exact_quantity for line in lines), Fraction(0))
        amount = sum((line.amount for line in lines), Decimal("0.00"))
        return cls(quantity=to_decimal(exact), amount=amount, lines=tuple(lines))

    @property
    def exact_quantity(self) -> Fraction:
        """The billable quantity as an exact fraction."""
        return sum((line.exact_quantity for line in self.lines), Fraction(0))


def seat_charge(
    events: Iterable[SeatEvent], start: datetime, end: datetime, price: SeatPrice
) -> SeatCharge:
    """What `price` bills for [start, end), given one customer and seat type's effective events."""
    problems = charge_input_problems(start, end, price)
    if problems:
        raise problems[0]
    period = _Period.between(start, end)
    timeline = _Timeline.build(events, period, price.contracted_minimum_seats)
    return SeatCharge.of(_lines(timeline, price))


# The period and the balances held over it.


@dataclass(frozen=True)
class _Period:
    """[start, end) as `days` whole UTC days from `start`."""

    start: datetime
    days: int

    @classmethod
    def between(cls, start: datetime, end: datetime) -> _Period:
        utc = start.astimezone(timezone.utc)
        return cls(utc, (end - start).days)

    def day_start(self, day: int) -> datetime:
        return self.start + timedelta(days=day)

    def date_of(self, day: int) -> date:
        return self.day_start(day).date()

    def day_of(self, instant: datetime) -> int:
        return (instant.astimezone(timezone.utc).date() - self.start.date()).days

    @property
    def end(self) -> datetime:
        return self.day_start(self.days)


@dataclass(frozen=True)
class _Change:
    """The balance (floored) from an instant inside the period on."""

    day: int
    total: int


@dataclass(frozen=True, eq=False)
class _Timeline:
    """One series' balances over one period, floored at the contracted minimum."""

    period: _Period
    minimum: int
    series: SeatSeries
    changes: tuple[_Change, ...]

    @classmethod
    def build(cls, events: Iterable[SeatEvent], period: _Period, minimum: int) -> _Timeline:
        kept = [e for e in events if not e.is_void and e.event_time < period.end]
        series = SeatSeries()
        for event in kept:
            series.add(event)
        inside = sorted({e.event_time for e in kept if e.event_time > period.start})
        changes = tuple(
            _Change(period.day_of(t), max(_balance(series, t), minimum)) for t in inside
        )
        return cls(period, minimum, series, changes)

    def balance(self, instant: datetime) -> int:
        """B(t): the §6 balance floored at the contracted minimum."""
        return max(_balance(self.series, instant), self.minimum)

    @property
    def start_balance(self) -> int:
        return self.balance(self.period.start)

    @property
    def end_balance(self) -> int:
        """B(E-ε): the balance after the last change before the end."""
        return self.changes[-1].total if self.changes else self.start_balance

    def floored_at(self, instant: datetime) -> bool:
        """Whether B(instant) is the contracted minimum rather than the seats in use."""
        return _balance(self.series, instant) < self.minimum

    def changes_daily(self) -> bool:
        """Whether any day's highest balance differs from B(S)."""
        return any(high != self.start_balance for high in self.daily_highs())

    def daily_highs(self) -> list[int]:
        """Each day's highest balance held, the day of a change counting at its highest."""
        highs = [self.balance(self.period.day_start(day)) for day in range(self.period.days)]
        for change in self.changes:
            highs[change.day] = max(highs[change.day], change.total)
        return highs


def _balance(series: SeatSeries, instant: datetime) -> int:
    """§6: the total of the event in force at `instant`, 0 if none."""
    event = series.in_force(instant)
    return event.total if event is not None else 0


# Pricing layers of seats, tier by tier.


@dataclass(frozen=True)
class _Band:
    """Seats (lower, upper] at `rate`; `tier` is None for a flat price."""

    tier: int | None
    lower: int
    upper: int | None
    rate: Decimal
    fee: Decimal


def _bands(price: SeatPrice) -> tuple[_Band, ...]:
    """The price as bands of seats: one for a flat price, one per tier otherwise."""
    if not price.tiers:
        return (_Band(None, 0, None, Decimal(price.price_per_seat), Decimal(0)),)
    lowers = [0, *(tier.upper_bound or 0 for tier in price.tiers[:-1])]
    return tuple(
        _Band(index, lower, tier.upper_bound, Decimal(tier.price), Decimal(tier.fee))
        for index, (lower, tier) in enumerate(zip(lowers, price.tiers, strict=True))
    )


class _Biller:
    """Turns layers of seats into lines, charging each tier's fee on the first line to reach it."""

    def __init__(self, bands: tuple[_Band, ...], period: _Period) -> None:
        self._bands = bands
        self._period = period
        self._reached: set[int] = set()

    def layer(
        self, low: int, high: int, day: int, what: str, days: int | None, in_advance: bool = False
    ) -> list[ChargeLine]:
        """Lines for seats (low, high] over `days` from `day` (None: the whole period)."""
        return [
            self._line(position, seats, days, day, what, in_advance)
            for position, seats in self._pieces(low, high)
        ]

    def _pieces(self, low: int, high: int) -> Iterator[tuple[int, int]]:
        for position, band in enumerate(self._bands):
            top = high if band.upper is None else min(high, band.upper)
            if top > max(low, band.lower):
                yield position, top - max(low, band.lower)

    def _line(
        self, position: int, seats: int, days: int | None, day: int, what: str, in_advance: bool
    ) -> ChargeLine:
        band, fee = self._bands[position], self._fee(position)
        weight = Fraction(1) if days is None else Fraction(days, self._period.days)
        return ChargeLine(
            description=_describe(seats, what, band.tier, days, self._period.days, fee),
            seats=seats,
            days=days,
            period_days=self._period.days,
            rate=band.rate,
            tier=band.tier,
            fee=fee,
            amount=round_cents(seats * weight * Fraction(band.rate) + Fraction(fee)),
            since=self._period.date_of(day),
            in_advance=in_advance,
        )

    def _fee(self, position: int) -> Decimal:
        if position in self._reached:
            return Decimal(0)
        self._reached.add(position)
        return self._bands[position].fee


def _describe(
    seats: int, what: str, tier: int | None, days: int | None, n: int, fee: Decimal
) -> str:
    """E.g. '27 seats added on 2024-04-18 at tiers[1], 13 of 30 days, plus the tiers[1] fee'."""
    text = f"{seats} seat{'' if seats == 1 else 's'} {what}"
    text += f" at tiers[{tier}]" if tier is not None else ""
    text += ", whole period" if days is None else f", {days} of {n} days"
    return text + (f", plus the tiers[{tier}] fee" if fee else "")


def _reversal(line: ChargeLine) -> ChargeLine:
    """The true-up line that cancels an advance line exactly, fee included."""
    return ChargeLine(
        description=f"reversal of the advance: {line.description}",
        seats=-line.seats,
        days=line.days,
        period_days=line.period_days,
        rate=line.rate,
        tier=line.tier,
        fee=-line.fee,
        amount=-line.amount,
        since=line.since,
        in_advance=False,
    )


# The lines of each strategy.


def _lines(timeline: _Timeline, price: SeatPrice) -> list[ChargeLine]:
    """The start (or end) lines, then what the strategy adds for changes inside the period."""
    bands, period = _bands(price), timeline.period
    strategy, in_advance = price.proration_strategy, price.billing_type is BillingType.IN_ADVANCE
    if strategy is None and not in_advance:
        return _end_lines(timeline, _Biller(bands, period))
    biller = _Biller(bands, period)
    start = _start_lines(timeline, biller, in_advance)
    if strategy is ProrationStrategy.PRORATE_ALL_CHANGES and timeline.changes_daily():
        runs = _run_lines(timeline, _Biller(bands, period))  # its own fees: the advance is reversed
        return [*start, *map(_reversal, start), *runs] if in_advance else runs
    if strategy in (ProrationStrategy.USE_MAXIMUM, ProrationStrategy.PRORATE_INCREMENTS):
        prorated = strategy is ProrationStrategy.PRORATE_INCREMENTS
        return start + _increment_lines(timeline, biller, prorated)
    return start


def _start_lines(timeline: _Timeline, biller: _Biller, in_advance: bool) -> list[ChargeLine]:
    what = "in force at the start" + _minimum_note(timeline.floored_at(timeline.period.start))
    return biller.layer(0, timeline.start_balance, 0, what, None, in_advance)


def _end_lines(timeline: _Timeline, biller: _Biller) -> list[ChargeLine]:
    last = timeline.period.end - timedelta(microseconds=1)
    what = "in force at the end" + _minimum_note(timeline.floored_at(last))
    return biller.layer(0, timeline.end_balance, 0, what, None)


def _minimum_note(floored: bool) -> str:
    return " (the contracted minimum)" if floored else ""


def _increment_lines(timeline: _Timeline, biller: _Biller, prorated: bool) -> list[ChargeLine]:
    """Each new high-water mark from its day; removals are not credited, re-additions are free."""
    lines: list[ChargeLine] = []
    high, n = timeline.start_balance, timeline.period.days
    for change in timeline.changes:
        if change.total > high:
            what = f"added on {timeline.period.date_of(change.day)}"
            days = n - change.day if prorated else None
            lines += biller.layer(high, change.total, change.day, what, days)
            high = change.total
    return lines


def _run_lines(timeline: _Timeline, biller: _Biller) -> list[ChargeLine]:
    """PRORATE_ALL_CHANGES: each run of days at one highest balance, for its days."""
    lines: list[ChargeLine] = []
    for first, days, seats in _runs(timeline.daily_highs()):
        last = timeline.period.date_of(first + days - 1)
        what = f"held {timeline.period.date_of(first)} to {last}"
        lines += biller.layer(0, seats, first, what, days)
    return lines


def _runs(highs: Sequence[int]) -> Iterator[tuple[int, int, int]]:
    """(first day, number of days, seats) for each run of equal values."""
    first = 0
    for day in range(1, len(highs) + 1):
        if day == len(highs) or highs[day] != highs[first]:
            yield first, day - first, highs[first]
            first = day
