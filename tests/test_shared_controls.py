"""The clock, fault rules and journal of a shared sandbox, kept in the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from conftest import NewStore

from emulator.domain.faults import FaultAction, FaultRule
from emulator.rules import Store, open_store
from emulator.rules.controls import SharedClock, SharedFaultBook

AT = datetime(2024, 5, 1, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def shared(request: pytest.FixtureRequest, new_store_spec: NewStore) -> Iterator[Store]:
    """A store other processes could share: an SQLite file, a PostgreSQL database."""
    with open_store(new_store_spec(str(request.param))) as store:
        yield store


def rule(rule_id: str, status: int, count: int | None = None) -> FaultRule:
    return FaultRule(rule_id, FaultAction(status=status), path="/seat-events", remaining=count)


def test_rules_fire_in_the_order_added_whatever_their_ids(shared: Store) -> None:
    # Two processes mint rule ids from generators of their own: order by id is not order added.
    faults, elsewhere = SharedFaultBook(shared.database), SharedFaultBook(shared.database)
    faults.add(rule("ffff", 503, count=1))
    elsewhere.add(rule("0000", 429))
    assert [r.id for r in elsewhere.rules()] == ["ffff", "0000"]
    assert elsewhere.decide("POST", "/seat-events", None, {}) == FaultAction(status=503)
    assert faults.decide("POST", "/seat-events", None, {}) == FaultAction(status=429)
    assert [(r.remaining, r.fired) for r in faults.rules()] == [(0, 1), (None, 1)]


def test_the_clock_is_one_for_every_reader(shared: Store) -> None:
    mine, theirs = SharedClock(shared.database), SharedClock(shared.database)
    mine.freeze(AT)
    theirs.advance(timedelta(days=1))
    assert (mine.now(), mine.frozen) == (AT + timedelta(days=1), True)
    mine.resume()
    assert not theirs.frozen
