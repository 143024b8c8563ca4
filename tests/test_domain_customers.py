"""Customer rules, pure: contacts, alias values, parents, updates, organizations, balances grouped
by customer, customerIds resolved, cursors and the idempotency window (BEHAVIOUR.md §11)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from emulator.domain.balances import BalanceFilter, SeatBalance, customer_balances
from emulator.domain.contacts import ContactDraft
from emulator.domain.customer_query import (
    CustomerSortBy,
    customer_cursor,
    customer_key_from_cursor,
    customer_sort_key,
)
from emulator.domain.customers import (
    Address,
    Customer,
    CustomerDraft,
    CustomerRef,
    CustomerRuleError,
    archived_customer,
    check_alias_values,
    check_contacts,
    check_parent,
    implicit_customer_id,
    new_customer,
    organization_id,
    organizations,
    updated_customer,
)
from emulator.domain.idempotency import still_held
from emulator.domain.pages import InvalidCursorError
from emulator.domain.seat_event_query import CustomerMatch, SeatEventFilter, customer_match
from emulator.domain.seat_events import Minted, SeatEvent

T0 = datetime(2024, 4, 1, tzinfo=timezone.utc)
LONDON = Address("1 Road", "London", "N1", "GB")
ANN = ContactDraft("Ann", "ann@acme.test", "PRIMARY")
BOB = ContactDraft("Bob", "bob@acme.test", "STANDARD")
CAT = ContactDraft("Cat", "cat@acme.test", "NONE")


def mint_from(start: datetime = T0) -> Callable[[], Minted]:
    counter = itertools.count()
    return lambda: Minted(f"{next(counter):08d}", start)


def draft(**fields: object) -> CustomerDraft:
    values: dict[str, object] = {
        "legal_name": "Acme",
        "address": LONDON,
        "contacts": (ANN,),
        "tax_status": "TAXED",
    }
    return CustomerDraft(**(values | fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "contacts",
    [(), (CAT,), (ANN,), (ANN, BOB), (BOB, ANN, CAT)],
    ids=["none", "no billing", "primary", "primary and standard", "any order"],
)
def test_contacts_that_are_acceptable(contacts: tuple[ContactDraft, ...]) -> None:
    check_contacts(contacts)


@pytest.mark.parametrize("contacts", [(BOB,), (BOB, CAT)], ids=["standard", "standard and none"])
def test_billing_contacts_need_a_primary(contacts: tuple[ContactDraft, ...]) -> None:
    with pytest.raises(CustomerRuleError) as refused:
        check_contacts(contacts)
    assert refused.value.field == "contacts"


@pytest.mark.parametrize(
    ("values", "message"),
    [(["a", "VOID"], "'VOID' cannot be a customer alias"), (["a", "b", "a"], "'a' appears twice")],
)
def test_alias_values_are_unique_and_never_void(values: list[str], message: str) -> None:
    with pytest.raises(CustomerRuleError, match=message) as refused:
        check_alias_values(values, "customerAliases")
    assert refused.value.field == "customerAliases"


def test_a_parent_exists_and_is_no_descendant() -> None:
    mint = mint_from()
    top = new_customer(draft(legal_name="Top"), "a1", mint)
    middle = new_customer(draft(legal_name="Middle", parent_id=top.id), "a1", mint)
    known = {c.id: c for c in (top, middle)}

    check_parent("new", middle.id, known.get)
    for wrong in ("nobody", top.id, middle.id):
        with pytest.raises(CustomerRuleError):
            check_parent(top.id, wrong, known.get)


def test_a_new_customer_gets_ids_defaults_and_its_contacts() -> None:
    acme = new_customer(draft(contacts=(ANN, BOB), status=None), "a1", mint_from())

    assert (acme.id, acme.account_id, acme.status, acme.created_at) == (
        "00000000",
        "a1",
        "ACTIVE",
        T0,
    )
    assert [(c.id, c.name, c.created_at, c.updated_at) for c in acme.contacts] == [
        ("00000001", "Ann", T0, T0),
        ("00000002", "Bob", T0, T0),
    ]
    assert (acme.integration_ids, dict(acme.custom_properties), acme.archived_at) == ((), {}, None)
    with pytest.raises(CustomerRuleError):
        new_customer(draft(contacts=(BOB,)), "a1", mint_from())


def test_an_update_replaces_contacts_and_keeps_what_it_leaves_out() -> None:
    later = T0 + timedelta(days=1)
    acme = new_customer(
        draft(
            contacts=(ANN, BOB), url="https://acme.test", label="gold", custom_properties={"a": "1"}
        ),
        "a1",
        mint_from(),
    )
    renamed_bob = ContactDraft("Robert", "BOB@acme.test", "STANDARD")

    updated = updated_customer(
        acme, draft(legal_name="Acme 2", contacts=(renamed_bob, ANN, CAT)), later, mint_from(later)
    )

    assert (updated.id, updated.created_at, updated.legal_name) == (acme.id, T0, "Acme 2")
    assert (updated.url, updated.label, dict(updated.custom_properties)) == (
        "https://acme.test",
        "gold",
        {"a": "1"},
    )
    bob, ann, cat = updated.contacts
    assert ann == acme.contacts[0]  # unchanged: same id, same times
    assert (bob.id, bob.name, bob.email, bob.created_at, bob.updated_at) == (
        acme.contacts[1].id,
        "Robert",
        "BOB@acme.test",
        T0,
        later,
    )
    assert (cat.created_at, cat.updated_at) == (later, later) and cat.id not in {ann.id, bob.id}
    cleared = updated_customer(
        updated, draft(contacts=(), custom_properties={}), later, mint_from()
    )
    assert (cleared.contacts, dict(cleared.custom_properties), cleared.label) == ((), {}, "gold")


def test_archiving_keeps_the_first_time() -> None:
    acme = new_customer(draft(), "a1", mint_from())
    once = archived_customer(acme, T0 + timedelta(days=1))
    assert once.archived_at == T0 + timedelta(days=1) and once.is_archived
    assert archived_customer(once, T0 + timedelta(days=2)) == once


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.acme.test/path", "acme.test"),
        ("http://billing.acme.test:8080", "billing.acme.test"),
        ("acme.test", "acme.test"),
        (None, None),
    ],
)
def test_the_domain_is_the_host_of_the_url(url: str | None, domain: str | None) -> None:
    assert new_customer(draft(url=url), "a1", mint_from()).domain == domain


def test_email_and_billing_emails_come_from_the_contacts() -> None:
    acme = new_customer(draft(contacts=(CAT, BOB, ANN)), "a1", mint_from())
    assert (acme.email, acme.billing_emails) == (
        "ann@acme.test",
        ("ann@acme.test", "bob@acme.test"),
    )
    assert acme.main_contact is not None and acme.main_contact.name == "Ann"
    only_cat = new_customer(draft(contacts=(CAT,)), "a1", mint_from())
    assert (only_cat.email, only_cat.billing_emails) == ("cat@acme.test", ())
    nobody = new_customer(draft(contacts=()), "a1", mint_from())
    assert (nobody.email, nobody.main_contact) == ("", None)
    assert acme.has_email("ANN@ACME.TEST") and not acme.has_email("ann")


def test_organizations_list_the_parents_and_the_customers_own() -> None:
    mint = mint_from()
    parent = new_customer(draft(legal_name="Parent"), "a1", mint)
    child = new_customer(draft(legal_name="Child", parent_id=parent.id), "a1", mint)
    sibling = new_customer(draft(legal_name="Sibling", parent_id=parent.id), "a1", mint)
    grandchild = new_customer(draft(legal_name="Grandchild", parent_id=child.id), "a1", mint)

    assert organizations(None, [], parent, []) == ()
    (owned,) = organizations(None, [], parent, [sibling, child])
    assert (owned.id, owned.owner.name) == (organization_id("a1", parent.id), "Parent")
    assert [m.name for m in owned.members] == ["Child", "Sibling"]  # in creation order
    member_of, own = organizations(parent, [child, sibling], child, [grandchild])
    assert member_of == owned
    assert (own.owner.id, [m.id for m in own.members]) == (child.id, [grandchild.id])


# --- Balances grouped by customer ---------------------------------------------------------


def event(n: int, alias: str, day: int, total: int, seat_type: str = "admin") -> SeatEvent:
    when = T0 + timedelta(days=day)
    return SeatEvent(f"{n:08d}", "a1", f"e{n}", alias, seat_type, when.isoformat(), when, total, T0)


def test_every_alias_and_the_id_of_a_customer_feed_one_item() -> None:
    acme = CustomerRef("acme-id", "Acme Ltd", ("acme", "acme-eu", "acme-unused"))
    in_force = {
        "acme": [event(1, "acme", 1, 5), event(2, "acme", 2, 1, "viewer")],
        "acme-eu": [event(3, "acme-eu", 3, 7)],  # later: wins for admin
        "acme-id": [event(4, "acme-id", 0, 9, "guest")],
        "loose": [event(5, "loose", 1, 2)],
    }
    directory = {"acme": acme, "acme-eu": acme, "acme-id": acme}

    items = customer_balances("a1", in_force, BalanceFilter(), directory)

    assert [(i.id, i.legal_name, i.aliases, i.total) for i in items] == [
        ("acme-id", "Acme Ltd", ("acme", "acme-eu", "acme-unused"), 17),
        (implicit_customer_id("a1", "loose"), "loose", ("loose",), 2),
    ]
    assert items[0].balances == (
        SeatBalance("admin", 7, T0 + timedelta(days=3)),
        SeatBalance("guest", 9, T0),
        SeatBalance("viewer", 1, T0 + timedelta(days=2)),
    )
    assert items[0].change_time == T0 + timedelta(days=3)


def test_ties_across_aliases_go_to_the_later_received() -> None:
    acme = CustomerRef("acme-id", "Acme", ("a", "b"))
    in_force = {"b": [event(1, "b", 1, 5)], "a": [event(2, "a", 1, 3)]}
    (item,) = customer_balances("a1", in_force, BalanceFilter(), {"a": acme, "b": acme})
    assert item.balances == (SeatBalance("admin", 3, T0 + timedelta(days=1)),)


def test_balance_filters_see_the_customer_not_the_alias() -> None:
    acme = CustomerRef("acme-id", "Acme", ("acme",))
    in_force = {"acme": [event(1, "acme", 1, 5)], "loose": [event(2, "loose", 1, 0)]}
    directory = {"acme": acme}

    def names(**fields: object) -> list[str]:
        keep = BalanceFilter(**fields)  # type: ignore[arg-type]
        return [c.legal_name for c in customer_balances("a1", in_force, keep, directory)]

    assert names(customer_ids=frozenset({"acme-id"})) == ["Acme"]
    assert names(customer_ids=frozenset({implicit_customer_id("a1", "acme")})) == []
    assert names(aliases=frozenset({"acme"})) == ["Acme"]
    assert names(exclude_zero=True) == ["Acme"]


def test_customer_ids_resolve_to_aliases_and_implicit_ids() -> None:
    found = {"acme-id": CustomerRef("acme-id", "Acme", ("acme", "acme-eu"))}
    match = customer_match(frozenset({"acme-id", "imp"}), found)
    assert match == CustomerMatch(
        frozenset({"acme-id", "imp", "acme", "acme-eu"}), frozenset({"imp"})
    )
    implicit = implicit_customer_id("a1", "loose")
    wanted = SeatEventFilter(
        customer_ids=frozenset({implicit}), customers=customer_match(frozenset({implicit}), {})
    )
    assert wanted.matches(event(1, "loose", 1, 1))
    assert not wanted.matches(event(1, "loose", 1, 1), mapped={"loose"})


# --- Cursors and keys ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Acme, Ltd", "Ünïcode & co", "a,b,c", ""])
def test_legal_name_cursors_round_trip(name: str) -> None:
    acme = Customer(
        "01890000-0000-7000-8000-000000000000", "a1", name, LONDON, (), "TAXED", "ACTIVE", T0
    )
    for sort_by in CustomerSortBy:
        cursor = customer_cursor(acme, sort_by)
        assert customer_key_from_cursor(cursor, sort_by) == customer_sort_key(acme, sort_by)


def test_a_cursor_for_another_sort_is_refused() -> None:
    acme = Customer(
        "01890000-0000-7000-8000-000000000000", "a1", "Acme", LONDON, (), "TAXED", "ACTIVE", T0
    )
    with pytest.raises(InvalidCursorError):
        customer_key_from_cursor(
            customer_cursor(acme, CustomerSortBy.CREATED_AT), CustomerSortBy.LEGAL_NAME
        )
    with pytest.raises(InvalidCursorError):
        customer_key_from_cursor(
            customer_cursor(acme, CustomerSortBy.LEGAL_NAME), CustomerSortBy.CREATED_AT
        )


def test_keys_are_held_for_24_hours_on_the_clock() -> None:
    assert still_held(T0, T0)
    assert still_held(T0, T0 + timedelta(hours=24) - timedelta(microseconds=1))
    assert not still_held(T0, T0 + timedelta(hours=24))
    assert still_held(T0, T0 - timedelta(hours=1))  # a clock moved back holds it still
