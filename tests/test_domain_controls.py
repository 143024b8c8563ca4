"""The control plane's pure parts: durations, fault rules, the journal, the rate limiter, ids."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Any

import pytest

from emulator.domain.durations import InvalidDurationError, parse_duration
from emulator.domain.faults import (
    FaultAction,
    FaultBook,
    FaultRule,
    InvalidFaultHeaderError,
    action_from_header,
)
from emulator.domain.ids import IdGenerator
from emulator.domain.journal import Journal, JournalEntry, JournalQuery, clipped
from emulator.domain.rate_limits import (
    USAGE_EVENTS_LIMIT,
    InvalidRateLimitError,
    RateLimit,
    RateLimiter,
)
from emulator.domain.seat_events import Minted, SeatEvent
from emulator.domain.seat_metrics import SeatMetric
from emulator.domain.state import AccountState, with_minted_ids

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)
FAIL = FaultAction(status=503)


# --- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT1H", timedelta(hours=1)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("P2D", timedelta(days=2)),
        ("P1W", timedelta(weeks=1)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("PT0.5S", timedelta(seconds=0.5)),
        ("PT1,5S", timedelta(seconds=1.5)),
        ("-P1D", timedelta(days=-1)),
        ("-PT5S", timedelta(seconds=-5)),
        ("+PT5M", timedelta(minutes=5)),
        ("pt1h", timedelta(hours=1)),
    ],
)
def test_iso_durations_are_read(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["P1M", "P1Y", "P1Y2D", "P", "PT", "P1DT", "1H", "soon", ""])
def test_months_years_and_non_durations_are_refused(text: str) -> None:
    with pytest.raises(InvalidDurationError):
        parse_duration(text)


# --- fault rules ----------------------------------------------------------------------------


def rule(rule_id: str = "r1", action: FaultAction = FAIL, **fields: object) -> FaultRule:
    return FaultRule(id=rule_id, action=action, **fields)  # type: ignore[arg-type]


def decide(book: FaultBook, method: str = "POST", path: str = "/seat-events") -> FaultAction | None:
    return book.decide(method, path, "acct", {})


def test_the_first_matching_rule_wins() -> None:
    book = FaultBook()
    book.add(rule("get", FaultAction(status=500), method="GET"))
    book.add(rule("any", FaultAction(status=503)))
    book.add(rule("late", FaultAction(status=429)))
    assert decide(book, "GET") == FaultAction(status=500)
    assert decide(book, "POST") == FaultAction(status=503)


def test_a_counted_rule_fires_that_many_times_then_stops() -> None:
    book = FaultBook()
    book.add(rule(remaining=2))
    assert [decide(book) for _ in range(3)] == [FAIL, FAIL, None]
    [spent] = book.rules()
    assert (spent.remaining, spent.fired) == (0, 2)


def test_a_spent_rule_lets_the_next_one_fire() -> None:
    book = FaultBook()
    book.add(rule("once", FaultAction(status=500), remaining=1))
    book.add(rule("always", FAIL))
    assert [decide(book) for _ in range(2)] == [FaultAction(status=500), FAIL]


@pytest.mark.parametrize(("chance", "fires"), [(0.39, True), (0.4, False), (0.9, False)])
def test_probability_is_drawn_from_the_injected_chance(chance: float, fires: bool) -> None:
    book = FaultBook(chance=lambda: chance)
    book.add(rule(probability=0.4, remaining=5))
    assert (decide(book) is not None) is fires
    assert book.rules()[0].remaining == (4 if fires else 5)


def test_probability_zero_never_fires() -> None:
    book = FaultBook(chance=lambda: 0.0)
    book.add(rule(probability=0.0))
    assert decide(book) is None
    assert book.rules()[0].fired == 0


@pytest.mark.parametrize(
    ("fields", "method", "path", "account", "headers", "applies"),
    [
        ({"path": "/seat-*"}, "GET", "/seat-balances", "a", {}, True),
        ({"path": "/seat-events"}, "POST", "/api/seat-events", "a", {}, True),
        ({"path": "/seat-events"}, "POST", "/seat-events/1", "a", {}, False),
        ({"path": "/seat-events/*"}, "GET", "/seat-events/1", "a", {}, True),
        ({"method": "get"}, "GET", "/seat-events", "a", {}, True),
        ({"method": "GET"}, "POST", "/seat-events", "a", {}, False),
        ({"account_id": "a"}, "GET", "/seat-events", "b", {}, False),
        ({"account_id": "a"}, "GET", "/seat-events", "a", {}, True),
        # the pipeline hands over header names in lower case
        ({"header": ("X-Case", "1")}, "GET", "/x", "a", {"x-case": "1"}, True),
        ({"header": ("x-case", "1")}, "GET", "/x", "a", {"x-case": "1"}, True),
        ({"header": ("X-Case", "1")}, "GET", "/x", "a", {"x-case": "2"}, False),
        ({"header": ("X-Case", "1")}, "GET", "/x", "a", {}, False),
    ],
)
def test_a_rule_applies_when_every_matcher_matches(
    fields: dict[str, object],
    method: str,
    path: str,
    account: str,
    headers: dict[str, str],
    applies: bool,
) -> None:
    assert rule(**fields).applies_to(method, path, account, headers) is applies


def test_removing_and_clearing_rules() -> None:
    book = FaultBook()
    book.add(rule("a"))
    book.add(rule("b"))
    assert book.remove("a") == rule("a")
    assert book.remove("a") is None
    assert [r.id for r in book.rules()] == ["b"]
    book.clear()
    assert book.rules() == [] and decide(book) is None


@pytest.mark.parametrize(
    ("header", "action"),
    [
        ("500", FaultAction(status=500)),
        (" 503 ", FaultAction(status=503)),
        ("429", FaultAction(status=429, retry_after=1)),
        ("drop", FaultAction(drop=True)),
        ("DROP", FaultAction(drop=True)),
        ("delay=250", FaultAction(delay_ms=250)),
    ],
)
def test_the_fault_header_is_read(header: str, action: FaultAction) -> None:
    assert action_from_header(header) == action


@pytest.mark.parametrize("header", ["200", "600", "teapot", "delay=", "delay=soon", "delay=-5", ""])
def test_a_fault_header_it_does_not_understand_is_refused(header: str) -> None:
    with pytest.raises(InvalidFaultHeaderError):
        action_from_header(header)


# --- journal --------------------------------------------------------------------------------


def entry(sequence: int, **fields: object) -> JournalEntry:
    base = JournalEntry(
        sequence=sequence,
        time=NOW + timedelta(minutes=sequence),
        method="POST",
        path="/seat-events",
        query={},
        headers={},
        body=b"",
        body_truncated=False,
        status=201,
        response_body=b"",
        response_truncated=False,
        account_id="a",
        duration_ms=1.0,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def test_a_journal_at_its_bound_drops_the_oldest() -> None:
    journal = Journal(limit=3)
    for number in range(1, 6):
        journal.record(entry(number))
    assert len(journal) == 3
    assert [e.sequence for e in journal.entries(JournalQuery())] == [3, 4, 5]


def test_sequence_numbers_keep_increasing_after_a_clear() -> None:
    journal = Journal()
    first = journal.next_sequence()
    journal.clear()
    assert journal.next_sequence() == first + 1


def test_journal_filters() -> None:
    journal = Journal()
    journal.record(entry(1))
    journal.record(entry(2, method="GET", path="/seat-balances", status=200))
    journal.record(entry(3, status=400, account_id="b"))
    journal.record(entry(4, path="/nope", status=404, account_id=None))

    def sequences(**query: Any) -> list[int]:
        return [e.sequence for e in journal.entries(JournalQuery(**query))]

    assert sequences(method="get") == [2]
    assert sequences(path="/seat-events") == [1, 3]
    assert sequences(status=400) == [3]
    assert sequences(account_id="a") == [1, 2]
    assert sequences(since=NOW + timedelta(minutes=3)) == [3, 4]
    assert sequences(method="POST", account_id="b") == [3]


def test_bodies_are_clipped_at_the_limit() -> None:
    assert clipped(b"abcd", 4) == (b"abcd", False)
    assert clipped(b"abcde", 4) == (b"abcd", True)


# --- rate limiter ---------------------------------------------------------------------------


def test_a_sliding_window_per_client_id() -> None:
    now = [100.0]
    limiter = RateLimiter(RateLimit(3, 60), now=lambda: now[0])
    assert [limiter.retry_after("a") for _ in range(3)] == [None, None, None]
    assert limiter.retry_after("a") == 60
    assert limiter.retry_after("b") is None
    now[0] = 130.5
    assert limiter.retry_after("a") == 30  # ceil(100 + 60 - 130.5)
    now[0] = 160.0
    assert limiter.retry_after("a") is None  # the first three have left the window
    assert limiter.retry_after("a") is None
    assert limiter.retry_after("a") is None
    assert limiter.retry_after("a") == 60


def test_a_refused_request_does_not_count() -> None:
    now = [0.0]
    limiter = RateLimiter(RateLimit(1, 10), now=lambda: now[0])
    assert limiter.retry_after("a") is None
    now[0] = 5.0
    assert limiter.retry_after("a") == 5
    now[0] = 10.0
    assert limiter.retry_after("a") is None


def test_expired_windows_are_forgotten() -> None:
    now = [0.0]
    limiter = RateLimiter(RateLimit(2, 60), now=lambda: now[0], max_clients=20_000)
    for n in range(10_000):
        now[0] = n / 1000  # ten thousand client ids within ten seconds
        assert limiter.retry_after(f"client-{n}") is None
    assert limiter.tracked() == 10_000
    now[0] = 65.0  # windows last counted at or before 5.0 s have expired, the rest have not
    assert limiter.retry_after("late") is None
    assert limiter.tracked() == 4_999 + 1
    now[0] = 200.0
    assert limiter.retry_after("later") is None
    assert limiter.tracked() == 1


def test_past_the_cap_the_least_recently_counted_window_goes() -> None:
    limiter = RateLimiter(RateLimit(2, 60), now=lambda: 0.0, max_clients=100)
    assert [limiter.retry_after(f"client-{n}") for n in range(10_000)] == [None] * 10_000
    assert limiter.tracked() == 100
    assert limiter.retry_after("client-9999") is None
    assert limiter.retry_after("client-9999") == 60  # kept, and still counted
    assert limiter.retry_after("client-0") is None  # forgotten: counts afresh
    assert limiter.tracked() == 100


def test_usage_events_default_to_sequences_12000_a_minute() -> None:
    now = [0.0]
    limiter = RateLimiter(USAGE_EVENTS_LIMIT, now=lambda: now[0])
    assert [limiter.retry_after("a") for _ in range(12_000)] == [None] * 12_000
    assert limiter.retry_after("a") == 60
    now[0] = 60.0
    assert limiter.retry_after("a") is None


@pytest.mark.parametrize(
    ("limit", "text"),
    [
        (RateLimit(1500, 60), "1500 requests a minute"),
        (RateLimit(10, 1), "10 requests a second"),
        (RateLimit(100, 3600), "100 requests an hour"),
        (RateLimit(3, 90), "3 requests per 90s"),
    ],
)
def test_a_rate_limit_reads_as_a_sentence(limit: RateLimit, text: str) -> None:
    assert str(limit) == text


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("1500/min", RateLimit(1500, 60)),
        ("10/s", RateLimit(10, 1)),
        ("100 / hour", RateLimit(100, 3600)),
    ],
)
def test_rate_limits_are_read(text: str, limit: RateLimit) -> None:
    assert RateLimit.parse(text) == limit


@pytest.mark.parametrize(
    "text",
    ["0/min", "10/day", "ten/min", "10", "\u0661\u0665\u0660\u0660/min", "\uff11\uff10/s"],
)
def test_bad_rate_limits_are_refused(text: str) -> None:
    with pytest.raises(InvalidRateLimitError):
        RateLimit.parse(text)


# --- state and ids --------------------------------------------------------------------------


def minter() -> Callable[[], Minted]:
    numbers = count(1)
    return lambda: Minted(f"id-{next(numbers)}", NOW)


def event(event_id: str = "", customer_event_id: str = "") -> SeatEvent:
    return SeatEvent(
        id=event_id,
        account_id="a",
        customer_event_id=customer_event_id,
        customer_alias="acme",
        seat_type="admin",
        event_timestamp="2024-04-01T00:00:00Z",
        event_time=datetime(2024, 4, 1, tzinfo=timezone.utc),
        total=1,
        created_at=datetime(1970, 1, 1, tzinfo=timezone.utc),
    )


def metric(metric_id: str = "") -> SeatMetric:
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    return SeatMetric(
        id=metric_id,
        account_id="a",
        seat_type="admin",
        label="Admins",
        description=None,
        created_at=epoch,
        updated_at=epoch,
    )


def test_with_minted_ids_completes_only_what_is_missing_in_document_order() -> None:
    kept = event("given-id", "given-ce")
    metrics = (metric(), metric("m-1"))
    state = AccountState("a", (event(), kept, event(customer_event_id="ce-1")), metrics)
    done = with_minted_ids(state, minter())
    first, second, third = done.seat_events
    assert (first.id, first.customer_event_id, first.created_at) == ("id-1", "id-1", NOW)
    assert second == kept
    assert (third.id, third.customer_event_id) == ("id-2", "ce-1")
    made, given = done.seat_metrics
    assert (made.id, made.created_at, made.updated_at) == ("id-3", NOW, NOW)
    assert given == metric("m-1")


def test_observing_a_future_id_makes_later_ids_greater() -> None:
    future = IdGenerator(lambda: NOW + timedelta(days=365))()
    new_id = IdGenerator(lambda: NOW)
    new_id.observe(future)
    later = [new_id() for _ in range(3)]
    assert all(uuid.UUID(i) > uuid.UUID(future) for i in later)
    assert later == sorted(later)


def test_observing_an_old_id_does_not_move_ids_back() -> None:
    new_id = IdGenerator(lambda: NOW)
    first = new_id()
    new_id.observe(IdGenerator(lambda: NOW - timedelta(days=1))())
    assert new_id() > first
