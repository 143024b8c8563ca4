"""Customers and aliases in every store: rules kept atomically, accounts apart, idempotent keys,
the alias directory balances read, customerIds on seat events, export and import.

The same tests run on the memory store and on the SQLite store.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from conftest import STORE_KINDS, NewStore

from emulator.domain.contacts import ContactDraft
from emulator.domain.customer_query import (
    AliasQuery,
    CustomerFilter,
    CustomerQuery,
    CustomerSortBy,
    customer_sort_key,
)
from emulator.domain.customers import (
    Address,
    AliasDraft,
    AliasUpdate,
    CustomerDraft,
    CustomerRef,
    CustomerRuleError,
    implicit_customer_id,
)
from emulator.domain.idempotency import IdempotencyKey
from emulator.domain.ids import uuid7_from_parts
from emulator.domain.pages import PageRequest
from emulator.domain.seat_event_query import SeatEventFilter, SeatEventQuery, SortBy
from emulator.domain.seat_events import Minted, SeatEventDraft
from emulator.rules import Store, open_store

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
LONDON = Address("1 Road", "London", "N1 1AA", "GB")


@pytest.fixture
def store(store_spec: str) -> Iterator[Store]:
    """A fresh, empty store of each kind (SQLite on a new file, a new PostgreSQL database)."""
    with open_store(store_spec) as opened:
        yield opened


def counting_mint(start: datetime = T0) -> Callable[[], Minted]:
    """Increasing ids, a microsecond apart: the same on both stores."""
    counter = itertools.count()

    def mint() -> Minted:
        n = next(counter)
        return Minted(uuid7_from_parts(1_714_521_600_000 + n, n), start + timedelta(microseconds=n))

    return mint


def customer(
    name: str = "Acme Ltd",
    aliases: tuple[str, ...] = (),
    contacts: tuple[ContactDraft, ...] = (),
    **fields: object,
) -> CustomerDraft:
    return CustomerDraft(name, LONDON, contacts, "TAXED", aliases=aliases, **fields)  # type: ignore[arg-type]


def seat(
    alias: str, total: int, event_id: str, seat_type: str = "admin", day: int = 1
) -> SeatEventDraft:
    return SeatEventDraft(alias, seat_type, f"2024-04-{day:02d}", total, event_id)


def test_a_customer_is_stored_with_its_aliases_at_once(store: Store) -> None:
    mint = counting_mint()
    acme = store.create_customer("a1", customer(aliases=("acme", "acme-eu")), mint)

    assert store.customer("a1", acme.id) == acme
    assert (acme.status, acme.created_at, acme.archived_at) == ("ACTIVE", T0, None)
    assert [a.value for a in store.aliases_of_customer("a1", acme.id)] == ["acme", "acme-eu"]
    assert store.customer_by_alias("a1", "acme-eu") == acme
    assert store.customer_by_alias("a1", acme.id) == acme  # a customer id stands for itself
    assert store.customer("a2", acme.id) is None
    assert store.customer_by_alias("a2", "acme") is None


def test_alias_values_are_unique_per_account_and_a_refused_customer_stores_nothing(
    store: Store,
) -> None:
    mint = counting_mint()
    store.create_customer("a1", customer(aliases=("acme",)), mint)
    store.create_customer("a2", customer(aliases=("acme",)), mint)  # another account: free

    with pytest.raises(CustomerRuleError) as refused:
        store.create_customer("a1", customer("Other", aliases=("new", "acme")), mint)

    assert refused.value.field == "customerAliases"
    assert store.customer_by_alias("a1", "new") is None
    page = store.list_customers("a1", all_customers())
    assert [c.legal_name for c in page.items] == ["Acme Ltd"]


def all_customers(**fields: object) -> CustomerQuery:
    wanted = CustomerFilter(**fields)  # type: ignore[arg-type]
    return CustomerQuery(wanted, CustomerSortBy.CREATED_AT, PageRequest(100))


def test_an_update_replaces_details_and_adds_the_aliases_it_names(store: Store) -> None:
    mint = counting_mint()
    ann = ContactDraft("Ann", "ann@acme.test", "PRIMARY")
    acme = store.create_customer("a1", customer(aliases=("acme",), contacts=(ann,)), mint)
    other = store.create_customer("a1", customer("Other", aliases=("other",)), mint)
    later = T0 + timedelta(days=1)

    bob = ContactDraft("Bob", "bob@acme.test", "STANDARD")
    sent = customer("Acme Group", aliases=("acme", "acme-2"), contacts=(ann, bob))
    updated = store.update_customer("a1", acme.id, sent, later, mint)

    assert updated is not None and store.customer("a1", acme.id) == updated
    assert updated.legal_name == "Acme Group" and updated.created_at == acme.created_at
    assert updated.contacts[0] == acme.contacts[0]  # same email: same contact
    assert [a.value for a in store.aliases_of_customer("a1", acme.id)] == ["acme", "acme-2"]
    with pytest.raises(CustomerRuleError, match="already in use"):
        store.update_customer("a1", acme.id, customer(aliases=("other",)), later, mint)
    assert store.customer_by_alias("a1", "other") == other
    assert store.update_customer("a1", "nobody", sent, later, mint) is None
    assert store.update_customer("a2", acme.id, sent, later, mint) is None


def test_a_parent_must_exist_and_never_descend_from_its_child(store: Store) -> None:
    mint = counting_mint()
    parent = store.create_customer("a1", customer("Parent"), mint)
    child = store.create_customer("a1", customer("Child", parent_id=parent.id), mint)
    grandchild = store.create_customer("a1", customer("Grandchild", parent_id=child.id), mint)

    assert store.customer_children("a1", parent.id) == [child]
    assert store.customer_children("a1", child.id) == [grandchild]
    for wrong in ("nobody", parent.id, grandchild.id):
        with pytest.raises(CustomerRuleError) as refused:
            store.update_customer("a1", parent.id, customer("P", parent_id=wrong), T0, mint)
        assert refused.value.field == "parentId"
    with pytest.raises(CustomerRuleError):
        store.create_customer("a2", customer("Elsewhere", parent_id=parent.id), mint)


def test_archiving_archives_the_aliases_and_frees_their_values(store: Store) -> None:
    mint = counting_mint()
    acme = store.create_customer("a1", customer(aliases=("acme",)), mint)
    later = T0 + timedelta(hours=1)

    archived = store.archive_customer("a1", acme.id, later)

    assert archived is not None and archived.archived_at == later
    assert store.archive_customer("a1", acme.id, later + timedelta(hours=1)) == archived
    assert store.aliases_of_customer("a1", acme.id) == []
    assert store.customer_by_alias("a1", "acme") is None
    assert store.customer_by_alias("a1", acme.id) == archived
    assert store.list_customers("a1", all_customers()).items == []
    assert store.list_customers("a1", all_customers(include_archived=True)).items == [archived]
    with pytest.raises(CustomerRuleError) as refused:
        store.create_customer_alias("a1", AliasDraft(acme.id, "acme-2"), mint)
    assert refused.value.field == "customerId"
    again = store.create_customer("a1", customer("Acme again", aliases=("acme",)), mint)
    assert store.customer_by_alias("a1", "acme") == again
    assert store.archive_customer("a1", "nobody", later) is None


def test_aliases_are_created_relabelled_and_deleted(store: Store) -> None:
    mint = counting_mint()
    acme = store.create_customer("a1", customer(), mint)
    alias = store.create_customer_alias("a1", AliasDraft(acme.id, "acme", "CRM"), mint)

    assert (alias.customer_id, alias.value, alias.label, alias.is_live) == (
        acme.id,
        "acme",
        "CRM",
        True,
    )
    assert store.customer_alias("a1", alias.id) == alias
    assert store.customer_alias("a2", alias.id) is None
    for wrong, field in (
        (AliasDraft(acme.id, "acme"), "value"),
        (AliasDraft("x", "y"), "customerId"),
    ):
        with pytest.raises(CustomerRuleError) as refused:
            store.create_customer_alias("a1", wrong, mint)
        assert refused.value.field == field

    relabelled = store.update_customer_alias("a1", alias.id, AliasUpdate("Billing"))
    assert relabelled == replace(alias, label="Billing")
    assert store.update_customer_alias("a1", alias.id, AliasUpdate()) == relabelled
    deleted = store.delete_customer_alias("a1", alias.id, T0 + timedelta(days=1))
    assert deleted == replace(relabelled, deleted_at=T0 + timedelta(days=1))
    assert store.customer_alias("a1", alias.id) is None
    assert store.delete_customer_alias("a1", alias.id, T0) is None
    assert store.update_customer_alias("a1", alias.id, AliasUpdate("X")) is None
    assert store.create_customer_alias("a1", AliasDraft(acme.id, "acme"), mint).value == "acme"


def test_an_idempotency_key_answers_the_first_alias_for_24_hours(store: Store) -> None:
    mint = counting_mint()
    acme = store.create_customer("a1", customer(), mint)
    theirs = store.create_customer("a2", customer(), mint)
    key = IdempotencyKey("key-1", T0)

    first = store.create_customer_alias("a1", AliasDraft(acme.id, "acme"), mint, key)
    store.update_customer_alias("a1", first.id, AliasUpdate("changed since"))
    again = store.create_customer_alias(
        "a1", AliasDraft(acme.id, "acme"), mint, replace(key, now=T0 + timedelta(hours=23))
    )

    assert again == first  # the original response, not the alias as it is now
    assert len(store.aliases_of_customer("a1", acme.id)) == 1
    with pytest.raises(CustomerRuleError):  # a day later the key is new, and the value taken
        store.create_customer_alias(
            "a1", AliasDraft(acme.id, "acme"), mint, replace(key, now=T0 + timedelta(hours=24))
        )
    later = replace(key, now=T0 + timedelta(hours=25))
    fresh = store.create_customer_alias("a1", AliasDraft(acme.id, "acme-2"), mint, later)
    assert fresh.id != first.id
    elsewhere = store.create_customer_alias("a2", AliasDraft(theirs.id, "acme"), mint, key)
    assert (elsewhere.account_id, elsewhere.customer_id) == ("a2", theirs.id)


def test_the_directory_resolves_live_aliases_then_customer_ids(store: Store) -> None:
    mint = counting_mint()
    acme = store.create_customer("a1", customer(aliases=("acme", "acme-eu")), mint)
    globex = store.create_customer("a1", customer("Globex"), mint)
    ref = CustomerRef(acme.id, "Acme Ltd", ("acme", "acme-eu"))

    found = store.alias_directory("a1", ["acme", acme.id, globex.id, "loose", "VOID"])

    assert found == {"acme": ref, acme.id: ref, globex.id: CustomerRef(globex.id, "Globex", ())}
    assert store.alias_directory("a2", ["acme", acme.id]) == {}
    assert store.alias_directory("a1", []) == {}
    # A live alias wins over a customer id spelt the same.
    store.create_customer_alias("a1", AliasDraft(globex.id, acme.id), mint)
    assert store.alias_directory("a1", [acme.id])[acme.id].id == globex.id


def listed(store: Store, account: str, **fields: object) -> list[str]:
    wanted = SeatEventFilter(**fields)  # type: ignore[arg-type]
    page = store.list_seat_events(
        account, SeatEventQuery(wanted, SortBy.CREATED_AT, PageRequest(100))
    )
    return sorted(event.customer_alias for event in page.items)


def test_customer_ids_on_seat_events_resolve_every_alias_and_the_id(store: Store) -> None:
    mint = counting_mint()
    acme = store.create_customer("a1", customer(aliases=("acme", "acme-eu")), mint)
    for n, alias in enumerate(["acme", "acme-eu", acme.id, "loose", "other"]):
        store.save_seat_event("a1", seat(alias, n, f"e{n}"), mint)
    store.save_seat_event("a2", seat("acme", 9, "e0"), mint)

    assert listed(store, "a1", customer_ids=frozenset({acme.id})) == sorted(
        ["acme", "acme-eu", acme.id]
    )
    loose = implicit_customer_id("a1", "loose")
    assert listed(store, "a1", customer_ids=frozenset({loose, "other"})) == ["loose", "other"]
    # A mapped alias no longer stands for its implicit customer.
    assert listed(store, "a1", customer_ids=frozenset({implicit_customer_id("a1", "acme")})) == []
    assert listed(store, "a2", customer_ids=frozenset({acme.id})) == []
    assert listed(store, "a2", customer_ids=frozenset({implicit_customer_id("a2", "acme")})) == [
        "acme"
    ]


def test_customer_lists_filter_sort_and_page(store: Store) -> None:
    mint = counting_mint()
    ann = ContactDraft("Ann", "Ann@Acme.test", "PRIMARY")
    acme = store.create_customer("a1", customer("Acme, Ltd", ("acme",), (ann,), label="gold"), mint)
    zeta = store.create_customer("a1", customer("Zeta", label="gold"), mint)
    beta = store.create_customer("a1", customer("béta"), mint)
    gone = store.create_customer("a1", customer("Acme Archived"), mint)
    store.archive_customer("a1", gone.id, T0)
    store.create_customer("a2", customer("Acme elsewhere"), mint)

    def names(**fields: object) -> list[str]:
        return [c.legal_name for c in store.list_customers("a1", all_customers(**fields)).items]

    assert names() == ["béta", "Zeta", "Acme, Ltd"]  # newest first
    assert names(legal_name="ACME") == ["Acme, Ltd"]
    assert names(legal_name="acme", include_archived=True) == ["Acme Archived", "Acme, Ltd"]
    assert names(email="ann@ACME.test") == ["Acme, Ltd"]
    assert names(email="ann") == []
    assert names(label="gold") == ["Zeta", "Acme, Ltd"]
    assert names(alias="acme") == names(alias=acme.id) == ["Acme, Ltd"]
    assert names(alias="nobody") == []

    by_name = CustomerSortBy.LEGAL_NAME
    first = store.list_customers(
        "a1", CustomerQuery(CustomerFilter(), by_name, PageRequest(2, descending=False))
    )
    assert ([c.id for c in first.items], first.has_before, first.has_after, first.total) == (
        [acme.id, zeta.id],
        False,
        True,
        3,
    )
    after = customer_sort_key(first.items[-1], by_name)
    second = store.list_customers(
        "a1", CustomerQuery(CustomerFilter(), by_name, PageRequest(2, False, after=after))
    )
    assert ([c.id for c in second.items], second.has_before, second.has_after) == (
        [beta.id],
        True,
        False,
    )


def test_alias_lists_are_live_newest_first_and_filter_by_value(store: Store) -> None:
    mint = counting_mint()
    acme = store.create_customer("a1", customer(aliases=("a", "b", "c")), mint)
    a, b, c = store.aliases_of_customer("a1", acme.id)
    store.delete_customer_alias("a1", b.id, T0)

    page = store.list_customer_aliases("a1", AliasQuery(None, PageRequest(1)))
    assert (page.items, page.has_before, page.has_after, page.total) == ([c], False, True, 2)
    rest = store.list_customer_aliases("a1", AliasQuery(None, PageRequest(1, after=c.id)))
    assert (rest.items, rest.has_before, rest.has_after) == ([a], True, False)
    assert store.list_customer_aliases("a1", AliasQuery("a", PageRequest())).items == [a]
    assert store.list_customer_aliases("a1", AliasQuery("b", PageRequest())).items == []
    assert store.list_customer_aliases("a2", AliasQuery(None, PageRequest())).total == 0


def fill(store: Store) -> None:
    mint = counting_mint()
    ann = ContactDraft("Ann", "ann@acme.test", "PRIMARY")
    acme = store.create_customer(
        "a1",
        customer(
            aliases=("acme", "acme-eu"),
            contacts=(ann,),
            url="https://acme.test",
            custom_properties={"tier": "gold"},
        ),
        mint,
    )
    store.create_customer("a1", customer("Child", parent_id=acme.id), mint)
    alias = store.create_customer_alias("a1", AliasDraft(acme.id, "acme-old", "CRM"), mint)
    store.delete_customer_alias("a1", alias.id, T0 + timedelta(days=1))
    store.save_seat_event("a1", seat("acme", 3, "e1"), mint)
    gone = store.create_customer("a2", customer("Gone", aliases=("g",)), mint)
    store.archive_customer("a2", gone.id, T0 + timedelta(days=2))


@pytest.mark.parametrize("target_kind", STORE_KINDS)
def test_customers_and_aliases_export_and_import_unchanged(
    store: Store, target_kind: str, new_store_spec: NewStore
) -> None:
    fill(store)
    exported = store.export_accounts()
    assert [(len(s.customers), len(s.customer_aliases)) for s in exported] == [(2, 3), (1, 1)]
    target = open_store(new_store_spec(target_kind))
    try:
        target.import_accounts(exported)
        assert target.export_accounts() == exported
        acme = exported[0].customers[0]
        assert target.customer_by_alias("a1", "acme-eu") == acme
        assert target.customer_by_alias("a1", "acme-old") is None
        assert target.alias_directory("a1", ["acme"]) == store.alias_directory("a1", ["acme"])
        assert target.customer_by_alias("a2", "g") is None
        target.import_accounts([], account_id="a1")
        assert [s.account_id for s in target.export_accounts()] == ["a2"]
    finally:
        target.close()


def test_reset_forgets_customers_aliases_and_keys(store: Store) -> None:
    mint = counting_mint()
    acme = store.create_customer("a1", customer(), mint)
    key = IdempotencyKey("k", T0)
    store.create_customer_alias("a1", AliasDraft(acme.id, "acme"), mint, key)
    assert store.account_ids() == ["a1"]

    store.reset("a1")

    assert store.account_ids() == [] and store.customer("a1", acme.id) is None
    again = store.create_customer("a1", customer(), mint)
    assert (
        store.create_customer_alias("a1", AliasDraft(again.id, "acme"), mint, key).customer_id
        == again.id
    )
