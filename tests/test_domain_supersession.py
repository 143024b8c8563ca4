"""The supersession rule, without HTTP or storage (BEHAVIOUR.md §4)."""

from collections.abc import Callable
from datetime import datetime, timezone
from itertools import count

from emulator.domain.seat_events import Minted, SeatEvent, SeatEventDraft, supersede

RECEIVED = datetime(2024, 5, 1, tzinfo=timezone.utc)
DRAFT = SeatEventDraft("acme", "admin", "2024-04-18T00:00:00Z", 12, "evt-1")


def minter() -> Callable[[], Minted]:
    numbers = count(1)
    return lambda: Minted(id=f"id-{next(numbers)}", created_at=RECEIVED)


def test_a_first_event_becomes_a_new_version() -> None:
    created = supersede(None, DRAFT, "account", minter())
    assert isinstance(created, SeatEvent)
    assert (created.id, created.customer_event_id, created.total) == ("id-1", "evt-1", 12)
    assert created.event_time == datetime(2024, 4, 18, tzinfo=timezone.utc)
    assert created.created_at == RECEIVED


def test_an_identical_payload_is_a_retry_even_with_another_spelling_of_the_time() -> None:
    current = supersede(None, DRAFT, "account", minter())
    respelt = SeatEventDraft("acme", "admin", "2024-04-18T02:00:00+02:00", 12, "evt-1")
    assert supersede(current, respelt, "account", minter()) is None


def test_any_change_makes_a_new_version() -> None:
    current = supersede(None, DRAFT, "account", minter())
    changes = [
        SeatEventDraft("globex", "admin", DRAFT.event_timestamp, 12, "evt-1"),
        SeatEventDraft("acme", "viewer", DRAFT.event_timestamp, 12, "evt-1"),
        SeatEventDraft("acme", "admin", "2024-04-19", 12, "evt-1"),
        SeatEventDraft("acme", "admin", DRAFT.event_timestamp, 13, "evt-1"),
    ]
    for changed in changes:
        assert supersede(current, changed, "account", minter()) is not None


def test_an_older_timestamp_still_supersedes_because_the_last_received_wins() -> None:
    current = supersede(None, DRAFT, "account", minter())
    older = SeatEventDraft("acme", "admin", "2020-01-01", 3, "evt-1")
    created = supersede(current, older, "account", minter())
    assert created is not None and created.total == 3


def test_a_missing_customer_event_id_is_generated() -> None:
    draft = SeatEventDraft("acme", "admin", "2024-04-18", 1)
    created = supersede(None, draft, "account", minter())
    assert created is not None and created.customer_event_id == "id-1"


def test_void_alias_marks_an_event_that_counts_nowhere() -> None:
    void = supersede(None, SeatEventDraft("VOID", "admin", "2024-04-18", 1, "e"), "a", minter())
    plain = supersede(None, DRAFT, "a", minter())
    assert void is not None and void.is_void
    assert plain is not None and not plain.is_void
