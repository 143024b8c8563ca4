"""Contact rules, pure: the billing rule after every change, archiving, replacing on PUT
(BEHAVIOUR.md §11, §13)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from emulator.domain.contacts import (
    BillingRuleError,
    Contact,
    ContactDraft,
    added,
    archived,
    changed,
    edited,
    live,
    new_contact,
    replaced,
)
from emulator.domain.seat_events import Minted

T0 = datetime(2024, 4, 1, tzinfo=timezone.utc)
LATER = T0 + timedelta(days=1)
ANN = ContactDraft("Ann", "ann@acme.test", "PRIMARY")
BOB = ContactDraft("Bob", "bob@acme.test", "STANDARD")
CAT = ContactDraft("Cat", "cat@acme.test", "NONE")


def mint_from(start: datetime = T0, prefix: str = "c") -> Callable[[], Minted]:
    counter = itertools.count()
    return lambda: Minted(f"{prefix}{next(counter):04d}", start)


def contacts(*drafts: ContactDraft) -> tuple[Contact, ...]:
    mint = mint_from()
    return tuple(new_contact(d, mint(), T0) for d in drafts)


def test_adding_a_contact_puts_it_last_with_new_times() -> None:
    after, cat = added(contacts(ANN, BOB), CAT, Minted("cat-id", LATER))
    assert after[-1] == cat == Contact("cat-id", "Cat", "cat@acme.test", "NONE", LATER, LATER)
    assert len(after) == 3


@pytest.mark.parametrize("existing", [(), (CAT,)], ids=["no contacts", "only NONE"])
def test_a_billing_contact_cannot_be_added_where_no_primary_is(
    existing: tuple[ContactDraft, ...],
) -> None:
    with pytest.raises(BillingRuleError):
        added(contacts(*existing), BOB, Minted("bob-id", LATER))
    after, _ = added(contacts(*existing), ANN, Minted("ann-id", LATER))  # a PRIMARY is fine
    after, _ = added(after, BOB, Minted("bob-id", LATER))  # then a STANDARD too
    assert [c.billing_preference for c in after][-2:] == ["PRIMARY", "STANDARD"]


def test_editing_moves_updated_at_only_when_something_changed() -> None:
    (ann,) = contacts(ANN)
    assert edited(ann, ANN, LATER) is ann
    renamed = edited(ann, ContactDraft("Annie", "ann@acme.test", "PRIMARY"), LATER)
    assert (renamed.id, renamed.name, renamed.created_at, renamed.updated_at) == (
        ann.id,
        "Annie",
        T0,
        LATER,
    )


def test_a_change_that_leaves_billing_contacts_without_a_primary_is_refused() -> None:
    ann, bob = contacts(ANN, BOB)
    demote = ContactDraft("Ann", "ann@acme.test", "NONE")
    with pytest.raises(BillingRuleError):
        changed((ann, bob), ann.id, lambda c: edited(c, demote, LATER))
    with pytest.raises(BillingRuleError):
        changed((ann, bob), ann.id, lambda c: archived(c, LATER))
    # Without a STANDARD contact the PRIMARY may go: nobody receives billing emails.
    found = changed((ann,), ann.id, lambda c: archived(c, LATER))
    assert found is not None and found[1].archived_at == LATER


def test_archiving_keeps_the_first_time_and_updated_at() -> None:
    ann, cat = contacts(ANN, CAT)
    found = changed((ann, cat), cat.id, lambda c: archived(c, LATER))
    assert found is not None
    after, gone = found
    assert (gone.archived_at, gone.updated_at) == (LATER, T0)
    assert after == (ann, gone) and live(after) == (ann,)
    assert archived(gone, LATER + timedelta(days=1)) is gone


def test_changing_an_unknown_contact_finds_nothing() -> None:
    assert changed(contacts(ANN), "nobody", lambda c: archived(c, LATER)) is None


def test_replacing_keeps_archived_contacts_and_matches_live_ones_by_email() -> None:
    ann, bob, cat = contacts(ANN, BOB, CAT)
    old_cat = archived(cat, LATER)
    sent = (
        ContactDraft("Cat", "CAT@acme.test", "NONE"),
        ContactDraft("Ann", "ann@acme.test", "PRIMARY"),
    )
    after = replaced((ann, bob, old_cat), sent, LATER, mint_from(LATER, "new"))
    # The archived Cat stays as she was; a live contact with her email is a new one.
    assert after[0] == old_cat
    new_cat, same_ann = after[1:]
    assert same_ann == ann
    assert (new_cat.id, new_cat.created_at) == ("new0000", LATER)
    assert live(after) == (new_cat, same_ann)
