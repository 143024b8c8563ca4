"""Seat charges, computed from effective events alone (BEHAVIOUR.md §10)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from itertools import count

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.charge_terms import (
    BillingType,
    ChargeInputError,
    ProrationStrategy,
    SeatPrice,
    Tier,
    charge_input_problems,
    parse_billing_type,
    parse_proration_strategy,
    round_cents,
    to_decimal,
)
from emulator.domain.charges import SeatCharge, seat_charge
from emulator.domain.seat_events import Minted, SeatEvent, SeatEventDraft, supersede

UTC = timezone.utc
MAX, INC, ALL = (
    ProrationStrategy.USE_MAXIMUM,
    ProrationStrategy.PRORATE_INCREMENTS,
    ProrationStrategy.PRORATE_ALL_CHANGES,
)
ADVANCE, ARREARS = BillingType.IN_ADVANCE, BillingType.IN_ARREARS
STRATEGIES: tuple[ProrationStrategy | None, ...] = (None, MAX, INC, ALL)
APRIL = (datetime(2024, 4, 1, tzinfo=UTC), datetime(2024, 5, 1, tzinfo=UTC))
MAY = (datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC))


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def events(*changes: tuple[datetime, int]) -> list[SeatEvent]:
    """One event per (instant, total), received in the order given (ids increase)."""
    return [
        SeatEvent(
            id=f"{n:08d}",
            account_id="account",
            customer_event_id=f"e{n}",
            customer_alias="acme",
            seat_type="admin",
            event_timestamp=when.isoformat(),
            event_time=when,
            total=total,
            created_at=at(2024, 6, 1),
        )
        for n, (when, total) in enumerate(changes, start=1)
    ]


def price(
    strategy: ProrationStrategy | None = INC,
    billing: BillingType = ARREARS,
    per_seat: str = "15",
    minimum: int = 0,
    tiers: tuple[Tier, ...] = (),
) -> SeatPrice:
    return SeatPrice(
        price_per_seat=Decimal(per_seat),
        proration_strategy=strategy,
        billing_type=billing,
        contracted_minimum_seats=minimum,
        tiers=tiers,
    )


def charge(
    seat_events: Iterable[SeatEvent], period: tuple[datetime, datetime], p: SeatPrice
) -> SeatCharge:
    return seat_charge(seat_events, period[0], period[1], p)


# Sequence's documented example.

FLOWER = events((at(2024, 3, 1), 0), (at(2024, 4, 18, 10), 27))


@pytest.mark.parametrize("strategy", [INC, ALL])
def test_sequences_example_27_seats_from_18_april_bill_175_50_then_405(
    strategy: ProrationStrategy,
) -> None:
    april = charge(FLOWER, APRIL, price(strategy))
    # 18..30 April is 13 of 30 days: 27 * 15 * 13/30 = 175.50, i.e. 6.50 a seat.
    assert (april.quantity, april.amount) == (Decimal("11.7"), Decimal("175.50"))
    (line,) = april.lines
    assert (line.seats, line.days, line.period_days, line.rate) == (27, 13, 30, Decimal(15))
    assert line.amount / line.seats == Decimal("6.50")
    may = charge(FLOWER, MAY, price(strategy))
    assert (may.quantity, may.amount) == (Decimal(27), Decimal("405.00"))


# One April with an increase, a decrease and a re-increase. At £30 a month over 30 days, one
# seat for one day costs exactly £1, so each amount below is a count of seat-days.
# Balance: 10 from March; 16 from 6 April (day 6); 12 from noon on 16 April (day 16);
# 20 from 26 April (day 26).
BUSY = events(
    (at(2024, 3, 15), 10), (at(2024, 4, 6), 16), (at(2024, 4, 16, 12), 12), (at(2024, 4, 26), 20)
)


def test_use_maximum_bills_the_highest_balance_for_the_whole_period() -> None:
    result = charge(BUSY, APRIL, price(MAX, per_seat="30"))
    # 20 seats * 30 days: the 10 held at the start, then each new high (+6, +4) for the whole
    # period; the drop to 12 and the climb back to 16 change nothing.
    assert (result.quantity, result.amount) == (Decimal(20), Decimal("600.00"))
    assert [(line.seats, line.days) for line in result.lines] == [(10, None), (6, None), (4, None)]


def test_prorate_increments_charges_new_seats_from_their_day_and_never_credits() -> None:
    result = charge(BUSY, APRIL, price(INC, per_seat="30"))
    # 10*30 + (16-10)*25 days (6..30 April) + (20-16)*5 days (26..30 April): the drop to 12 earns
    # no credit and the re-increase from 12 to 16 is not charged twice.
    assert result.amount == Decimal("470.00")
    assert result.exact_quantity == Fraction(470, 30)
    assert result.quantity == Decimal("15.666666666667")
    assert [(line.seats, line.days) for line in result.lines] == [(10, None), (6, 25), (4, 5)]


def test_prorate_all_changes_bills_each_days_highest_balance() -> None:
    result = charge(BUSY, APRIL, price(ALL, per_seat="30"))
    # Days at their highest: 1-5 April 10, 6-16 April 16 (the 16th counts at 16), 17-25 April 12,
    # 26-30 April 20: 50 + 176 + 108 + 100 = 434 seat-days, one line per run of days.
    assert result.amount == Decimal("434.00")
    assert result.exact_quantity == Fraction(434, 30)
    assert [(line.seats, line.days, line.amount) for line in result.lines] == [
        (10, 5, Decimal("50.00")),
        (16, 11, Decimal("176.00")),
        (12, 9, Decimal("108.00")),
        (20, 5, Decimal("100.00")),
    ]
    assert result.lines[2].since == at(2024, 4, 17).date()
    assert result.lines[2].description == "12 seats held 2024-04-17 to 2024-04-25, 9 of 30 days"


def test_with_no_strategy_advance_bills_the_start_and_arrears_the_end() -> None:
    assert charge(BUSY, APRIL, price(None, ADVANCE, "30")).amount == Decimal("300.00")  # 10
    assert charge(BUSY, APRIL, price(None, ARREARS, "30")).amount == Decimal("600.00")  # 20


@pytest.mark.parametrize("strategy", [MAX, INC])
def test_in_advance_bills_the_start_in_advance_and_the_increments_as_a_true_up(
    strategy: ProrationStrategy,
) -> None:
    advance = charge(BUSY, APRIL, price(strategy, ADVANCE, "30"))
    arrears = charge(BUSY, APRIL, price(strategy, ARREARS, "30"))
    assert advance.lines[0].in_advance and advance.lines[0].seats == 10
    assert not any(line.in_advance for line in advance.lines[1:])
    assert not any(line.in_advance for line in arrears.lines)
    assert [replace(line, in_advance=False) for line in advance.lines] == list(arrears.lines)


def test_in_advance_all_changes_reverses_the_advance_and_bills_the_runs() -> None:
    advance = charge(BUSY, APRIL, price(ALL, ADVANCE, "30"))
    arrears = charge(BUSY, APRIL, price(ALL, ARREARS, "30"))
    paid, reversal, *runs = advance.lines
    assert (paid.in_advance, paid.seats, paid.days, paid.amount) == (True, 10, None, Decimal(300))
    assert (reversal.in_advance, reversal.seats, reversal.amount) == (False, -10, Decimal(-300))
    assert runs == list(arrears.lines)
    assert advance.amount == arrears.amount == Decimal("434.00")


def test_in_advance_with_nothing_changed_keeps_the_advance() -> None:
    steady = events((at(2024, 3, 15), 10))
    for strategy in (MAX, INC, ALL):
        (line,) = charge(steady, APRIL, price(strategy, ADVANCE, "30")).lines
        assert (line.in_advance, line.seats, line.days, line.amount) == (
            True,
            10,
            None,
            Decimal(300),
        )


def test_rounding_is_per_line_half_up_and_the_amount_is_the_sum_of_the_lines() -> None:
    # One seat added at 09:00 and another at 17:00 on 30 April, at £0.75 a month: each line is
    # 1 * 0.75 * 1/30 = 0.025, rounded half-up to 0.03; the charge is 0.06, not round(0.05).
    late = events((at(2024, 4, 30, 9), 1), (at(2024, 4, 30, 17), 2))
    result = charge(late, APRIL, price(INC, per_seat="0.75"))
    assert [line.amount for line in result.lines] == [Decimal("0.03"), Decimal("0.03")]
    assert result.amount == Decimal("0.06")
    assert sum((line.exact_amount for line in result.lines), Fraction(0)) == Fraction(5, 100)


def test_ties_on_one_instant_count_once_as_the_later_received() -> None:
    # Both at noon on 10 April; the 40 was received first, so it was never in force.
    tied = events((at(2024, 4, 10, 12), 40), (at(2024, 4, 10, 12), 12))
    assert charge(tied, APRIL, price(MAX)).quantity == Decimal(12)


# Contracted minimum.


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("billing", [ADVANCE, ARREARS])
def test_a_minimum_above_usage_is_billed_for_the_whole_period(
    strategy: ProrationStrategy | None, billing: BillingType
) -> None:
    result = charge(BUSY, APRIL, price(strategy, billing, "30", minimum=25))
    assert (result.quantity, result.amount) == (Decimal(25), Decimal("750.00"))
    assert "contracted minimum" in result.lines[0].description


def test_a_minimum_below_usage_floors_every_balance() -> None:
    # Floored at 12: 12 at the start, 16, 12 (unchanged by the floor), 20.
    assert charge(BUSY, APRIL, price(MAX, per_seat="30", minimum=12)).amount == Decimal("600.00")
    # 12*30 + 4*25 + 4*5
    assert charge(BUSY, APRIL, price(INC, per_seat="30", minimum=12)).amount == Decimal("480.00")
    # 12*5 + 16*11 + 12*9 + 20*5
    assert charge(BUSY, APRIL, price(ALL, per_seat="30", minimum=12)).amount == Decimal("444.00")


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_no_events_bill_the_minimum(strategy: ProrationStrategy | None) -> None:
    assert charge([], APRIL, price(strategy, minimum=3)).amount == Decimal("45.00")
    empty = charge([], APRIL, price(strategy))
    assert (empty.quantity, empty.amount, empty.lines) == (Decimal(0), Decimal("0.00"), ())


# Tiers: first 10 seats at £30 (fee £5), next 10 at £15 (fee £50), the rest at £6 (fee £100).
TIERS = (
    Tier(10, Decimal(30), Decimal(5)),
    Tier(20, Decimal(15), Decimal(50)),
    Tier(None, Decimal(6), Decimal(100)),
)
# 8 seats from March, 14 from 11 April (20 days left), 25 from 21 April (10 days left).
CLIMB = events((at(2024, 3, 1), 8), (at(2024, 4, 11), 14), (at(2024, 4, 21), 25))


def test_tiers_price_each_increment_at_the_tier_it_falls_in_with_each_fee_once() -> None:
    result = charge(CLIMB, APRIL, price(INC, tiers=TIERS))
    assert [(line.tier, line.seats, line.days, line.fee, line.amount) for line in result.lines] == [
        (0, 8, None, Decimal(5), Decimal("245.00")),  # 8*30 + 5
        (0, 2, 20, Decimal(0), Decimal("40.00")),  # 2*30*20/30
        (1, 4, 20, Decimal(50), Decimal("90.00")),  # 4*15*20/30 + 50
        (1, 6, 10, Decimal(0), Decimal("30.00")),  # 6*15*10/30
        (2, 5, 10, Decimal(100), Decimal("110.00")),  # 5*6*10/30 + 100
    ]
    assert result.amount == Decimal("515.00")
    assert result.exact_quantity == 8 + Fraction(6 * 20 + 11 * 10, 30)


def test_tiers_under_use_maximum_price_the_peak_through_every_tier() -> None:
    # 10*30+5 + 10*15+50 + 5*6+100
    assert charge(CLIMB, APRIL, price(MAX, tiers=TIERS)).amount == Decimal("635.00")


def test_tiers_under_all_changes_price_each_run_through_the_tiers_with_each_fee_once() -> None:
    # 25 seats from March, 5 from 21 April (removed on the 20th, which counts at 25).
    dropped = events((at(2024, 3, 1), 25), (at(2024, 4, 20, 9), 5))
    result = charge(dropped, APRIL, price(ALL, tiers=TIERS))
    assert [(line.tier, line.seats, line.days, line.amount) for line in result.lines] == [
        (0, 10, 20, Decimal("205.00")),  # 10*30*20/30 + 5
        (1, 10, 20, Decimal("150.00")),  # 10*15*20/30 + 50
        (2, 5, 20, Decimal("120.00")),  # 5*6*20/30 + 100
        (0, 5, 10, Decimal("50.00")),  # 5*30*10/30, the tiers[0] fee already charged
    ]
    assert result.amount == Decimal("525.00")


# Months of 28, 29, 30 and 31 days: 27 seats from the 18th at £15.


@pytest.mark.parametrize(
    ("start", "end", "days", "amount"),
    [
        (at(2023, 2, 1), at(2023, 3, 1), 11, "159.11"),  # 27*15*11/28 = 159.107..
        (at(2024, 2, 1), at(2024, 3, 1), 12, "167.59"),  # 27*15*12/29 = 167.586..
        (at(2024, 4, 1), at(2024, 5, 1), 13, "175.50"),  # 27*15*13/30
        (at(2024, 3, 1), at(2024, 4, 1), 14, "182.90"),  # 27*15*14/31 = 182.903..
    ],
)
def test_proration_counts_the_days_of_each_month(
    start: datetime, end: datetime, days: int, amount: str
) -> None:
    added = events((start.replace(day=18, hour=23, minute=59), 27))
    result = seat_charge(added, start, end, price(INC))
    n = (end - start).days
    assert (result.lines[0].days, result.lines[0].period_days) == (days, n)
    assert result.exact_quantity == Fraction(27 * days, n)
    assert result.amount == Decimal(amount)


def test_an_event_at_the_start_is_in_force_and_one_at_the_end_is_not() -> None:
    edges = events((at(2024, 3, 20), 5), (APRIL[0], 8), (APRIL[1], 50))
    for strategy in STRATEGIES:
        assert charge(edges, APRIL, price(strategy)).amount == Decimal("120.00")  # 8 * 15
    assert charge(edges, MAY, price(INC)).amount == Decimal("750.00")  # 50 * 15


# Supersession and VOID: the charge is a function of the effective set the caller passes.


def minter() -> Callable[[], Minted]:
    numbers = count(1)
    return lambda: Minted(id=f"{next(numbers):08d}", created_at=at(2024, 6, 1))


def effective(*drafts: SeatEventDraft) -> list[SeatEvent]:
    """What the store would count: the last version of each customerEventId, VOID ones dropped."""
    mint, latest = minter(), dict[str, SeatEvent]()
    for draft in drafts:
        key = draft.customer_event_id or ""
        version = supersede(latest.get(key), draft, "account", mint)
        latest[key] = version or latest[key]
    return [event for event in latest.values() if not event.is_void]


def test_a_corrected_or_voided_event_changes_a_past_periods_charge() -> None:
    start = SeatEventDraft("acme", "admin", "2024-03-01", 10, "start")
    added = SeatEventDraft("acme", "admin", "2024-04-18", 37, "added")
    corrected = replace(added, total=20)
    voided = replace(added, customer_alias="VOID")
    # 10*15 + 27*15*13/30 = 325.50; corrected to 20: 10*15 + 10*15*13/30 = 215.00; voided: 150.
    assert charge(effective(start, added), APRIL, price(INC)).amount == Decimal("325.50")
    assert charge(effective(start, added, corrected), APRIL, price(INC)).amount == Decimal("215.00")
    assert charge(effective(start, added, voided), APRIL, price(INC)).amount == Decimal("150.00")


def test_a_void_version_passed_by_mistake_counts_for_nothing() -> None:
    (void,) = events((at(2024, 4, 18), 27))
    assert charge([replace(void, customer_alias="VOID")], APRIL, price(MAX)).amount == Decimal(
        "0.00"
    )


# Numbers.


def test_rounding_is_half_up_away_from_zero_from_the_exact_value() -> None:
    assert round_cents(Fraction(1, 200)) == Decimal("0.01")
    assert round_cents(Fraction(-1, 200)) == Decimal("-0.01")
    assert round_cents(Fraction(1, 201)) == Decimal("0.00")
    assert round_cents(Fraction(4455, 28)) == Decimal("159.11")


def test_quantities_are_exact_when_they_can_be() -> None:
    assert to_decimal(Fraction(351, 30)) == Decimal("11.7")
    assert str(to_decimal(Fraction(1, 256))) == "0.00390625"
    assert to_decimal(Fraction(2, 3)) == Decimal("0.666666666667")


# Invalid input names the Sequence field.

ONE = Decimal(1)

BAD_INPUTS: list[tuple[str, Callable[[], object]]] = [
    ("endDate", lambda: seat_charge([], APRIL[1], APRIL[0], price())),
    ("endDate", lambda: seat_charge([], APRIL[0], APRIL[0], price())),
    ("startDate", lambda: seat_charge([], datetime(2024, 4, 1), APRIL[1], price())),
    ("startDate", lambda: seat_charge([], at(2024, 4, 1, 12), APRIL[1], price())),
    ("pricePerSeat", lambda: charge([], APRIL, price(per_seat="-1"))),
    ("pricePerSeat", lambda: charge([], APRIL, price(per_seat="NaN"))),
    ("contractedMinimumSeats", lambda: charge([], APRIL, price(minimum=-1))),
    ("tiers[1].upperBound", lambda: charge([], APRIL, price(tiers=(TIERS[1], TIERS[0], TIERS[2])))),
    ("tiers[0].upperBound", lambda: charge([], APRIL, price(tiers=(TIERS[2], TIERS[0])))),
    ("tiers[1].upperBound", lambda: charge([], APRIL, price(tiers=TIERS[:2]))),
    ("tiers[0].upperBound", lambda: charge([], APRIL, price(tiers=(Tier(0, ONE), TIERS[2])))),
    ("tiers[2].fee", lambda: charge([], APRIL, price(tiers=(*TIERS[:2], Tier(None, ONE, -ONE))))),
    ("prorationStrategy", lambda: parse_proration_strategy("PRORATE_SOMETIMES")),
    ("billingType", lambda: parse_billing_type(None)),
]  # fmt: skip


@pytest.mark.parametrize(("field", "call"), BAD_INPUTS, ids=[f for f, _ in BAD_INPUTS])
def test_invalid_input_names_the_field(field: str, call: Callable[[], object]) -> None:
    with pytest.raises(ChargeInputError) as caught:
        call()
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_a_strategy_that_is_not_the_enum_names_proration_strategy() -> None:
    wrong = replace(price(), proration_strategy="USE_MAXIMUM")  # type: ignore[arg-type]
    assert [p.field for p in charge_input_problems(*APRIL, wrong)] == ["prorationStrategy"]


def test_every_problem_is_listed_in_field_order() -> None:
    bad = price(per_seat="-1", minimum=-2, tiers=(Tier(None, Decimal(1)), Tier(5, Decimal(-1))))
    fields = [problem.field for problem in charge_input_problems(APRIL[1], APRIL[0], bad)]
    assert fields == [
        "endDate",
        "pricePerSeat",
        "contractedMinimumSeats",
        "tiers[0].upperBound",
        "tiers[1].upperBound",
        "tiers[1].price",
    ]


def test_sequence_names_parse_to_the_enums() -> None:
    assert parse_proration_strategy("PRORATE_ALL_CHANGES") is ALL
    assert parse_proration_strategy(None) is None
    assert parse_billing_type("IN_ADVANCE") is ADVANCE


# Properties over random events, periods and prices.

MONTHS = [at(2023, 2, 1), at(2024, 2, 1), at(2024, 4, 1), at(2024, 3, 1), at(2024, 12, 1)]
CENTS = st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n).scaleb(-2))
FINE = st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n).scaleb(-4))


@st.composite
def periods(draw: st.DrawFn) -> tuple[datetime, datetime]:
    start = draw(st.sampled_from(MONTHS))
    return start, (start + timedelta(days=32)).replace(day=1)


@st.composite
def tier_sets(draw: st.DrawFn, money: st.SearchStrategy[Decimal]) -> tuple[Tier, ...]:
    bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=50), max_size=3)))
    uppers: list[int | None] = [*bounds, None]
    return tuple(Tier(upper, draw(money), draw(money)) for upper in uppers)


@st.composite
def prices(draw: st.DrawFn, money: st.SearchStrategy[Decimal]) -> SeatPrice:
    return SeatPrice(
        price_per_seat=draw(money),
        proration_strategy=None,
        billing_type=draw(st.sampled_from(list(BillingType))),
        contracted_minimum_seats=draw(st.integers(min_value=0, max_value=30)),
        tiers=draw(st.one_of(st.just(()), tier_sets(money))),
    )


@st.composite
def histories(
    draw: st.DrawFn, start: datetime, end: datetime, inside: bool = True
) -> list[SeatEvent]:
    """Events from 40 days before `start` to 40 days after `end`, or none in [start, end)."""
    offsets = st.integers(min_value=-40 * 86_400, max_value=((end - start).days + 40) * 86_400)
    if not inside:
        span = (end - start).days * 86_400
        offsets = offsets.filter(lambda s: s <= 0 or s >= span)  # at `start` is no change
    changes = draw(
        st.lists(st.tuples(offsets, st.integers(min_value=0, max_value=60)), max_size=12)
    )
    # Whole hours often, so that ties on one instant and events at midnight come up.
    return events(*((start + timedelta(seconds=s - s % 3600), total) for s, total in changes))


@st.composite
def cases(
    draw: st.DrawFn, inside: bool = True, money: st.SearchStrategy[Decimal] = FINE
) -> tuple[list[SeatEvent], datetime, datetime, SeatPrice]:
    """Events, a month and a price; prices have 4 decimal places unless `money` says otherwise."""
    start, end = draw(periods())
    return draw(histories(start, end, inside)), start, end, draw(prices(money))


def every_strategy(
    seat_events: list[SeatEvent], start: datetime, end: datetime, p: SeatPrice
) -> dict[ProrationStrategy | None, SeatCharge]:
    return {
        strategy: seat_charge(seat_events, start, end, replace(p, proration_strategy=strategy))
        for strategy in STRATEGIES
    }


@given(cases())
def test_use_maximum_is_never_below_the_prorating_strategies(
    case: tuple[list[SeatEvent], datetime, datetime, SeatPrice],
) -> None:
    by = every_strategy(*case)
    assert by[MAX].exact_quantity >= by[INC].exact_quantity >= by[ALL].exact_quantity
    assert sum(line.exact_amount for line in by[MAX].lines) >= sum(
        line.exact_amount for line in by[ALL].lines
    )
    # USE_MAXIMUM's lines are PRORATE_INCREMENTS' lines for the whole period: rounding keeps order.
    assert by[MAX].amount >= by[INC].amount


@given(cases(money=CENTS))
def test_with_whole_cent_prices_use_maximum_also_rounds_above_all_changes(
    case: tuple[list[SeatEvent], datetime, datetime, SeatPrice],
) -> None:
    by = every_strategy(*case)
    assert by[MAX].amount >= by[ALL].amount


@given(cases(inside=False))
def test_with_no_change_in_the_period_every_strategy_bills_the_same(
    case: tuple[list[SeatEvent], datetime, datetime, SeatPrice],
) -> None:
    seat_events, start, end, p = case
    results = [
        result
        for billing in BillingType
        for result in every_strategy(
            seat_events, start, end, replace(p, billing_type=billing)
        ).values()
    ]
    assert len({(r.quantity, r.amount) for r in results}) == 1


@given(cases())
def test_amounts_are_never_negative_and_add_up_from_exactly_rounded_lines(
    case: tuple[list[SeatEvent], datetime, datetime, SeatPrice],
) -> None:
    for result in every_strategy(*case).values():
        assert result.amount >= 0
        assert result.amount == sum((line.amount for line in result.lines), Decimal(0))
        assert all(line.amount == round_cents(line.exact_amount) for line in result.lines)
        assert result.quantity == to_decimal(result.exact_quantity)


@given(cases())
def test_the_billing_type_moves_lines_in_time_and_never_changes_a_strategys_total(
    case: tuple[list[SeatEvent], datetime, datetime, SeatPrice],
) -> None:
    seat_events, start, end, p = case
    for strategy in (MAX, INC, ALL):
        advance, arrears = (
            seat_charge(
                seat_events, start, end, replace(p, proration_strategy=strategy, billing_type=b)
            )
            for b in (ADVANCE, ARREARS)
        )
        assert (advance.quantity, advance.amount) == (arrears.quantity, arrears.amount)
