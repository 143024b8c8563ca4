"""Customer, alias and Idempotency-Key rows. Storage only: the rules are in emulator.rules."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, false, literal, select, update

from emulator.domain.customer_query import CustomerFilter, CustomerKey, CustomerSortBy
from emulator.domain.customers import Customer, CustomerAlias, CustomerRef
from emulator.domain.pages import Page, PageRequest
from emulator.store.database import Transaction
from emulator.store.listing import Listing
from emulator.store.rows import ALIASES, customer_of, customer_values, instant, stored_instant
from emulator.store.statements import Prepared, by_id, replacement, replacing
from emulator.store.tables import customer_aliases as aliases
from emulator.store.tables import customers
from emulator.store.tables import idempotency_keys as keys

LIVE = (aliases.c.deleted_at.is_(None), aliases.c.archived_at.is_(None))
SELECT_CUSTOMERS = select(*customers.columns)
SELECT_ALIASES = select(*ALIASES.columns)
INSERT_CUSTOMER = Prepared(customers.insert())
INSERT_ALIAS = Prepared(aliases.insert())
INSERT_KEY = Prepared(keys.insert())
FIND_CUSTOMER = Prepared(SELECT_CUSTOMERS.where(by_id(customers)))
REPLACE_CUSTOMER = replacing(customers)
CHILDREN = Prepared(
    SELECT_CUSTOMERS.where(
        customers.c.account_id == bindparam("account_id"),
        customers.c.parent_id == bindparam("parent_id"),
    ).order_by(customers.c.id)
)
HAS_CUSTOMERS = Prepared(
    select(customers.c.id).where(customers.c.account_id == bindparam("account_id")).limit(1)
)
LIVE_ALIAS = Prepared(SELECT_ALIASES.where(by_id(aliases), *LIVE))
REPLACE_ALIAS = replacing(aliases)
ALIASES_OF = Prepared(
    SELECT_ALIASES.where(
        aliases.c.account_id == bindparam("account_id"),
        aliases.c.customer_id == bindparam("customer_id"),
        *LIVE,
    ).order_by(aliases.c.id)
)
HELD_KEY = Prepared(
    select(keys).where(keys.c.account_id == bindparam("account_id"), keys.c.key == bindparam("key"))
)
IN_LIST_SIZE = 500  # values per IN (...): well under every database's parameter limit


def find(transaction: Transaction, account_id: str, customer_id: str) -> Customer | None:
    """One customer by id."""
    row = transaction.first(FIND_CUSTOMER, {"account_id": account_id, "id": customer_id})
    return None if row is None else customer_of(row)


def put(transaction: Transaction, customer: Customer) -> None:
    """Insert a customer, or replace it whole."""
    values = customer_values(customer)
    if transaction.run(REPLACE_CUSTOMER, replacement(values)).rowcount == 0:
        transaction.run(INSERT_CUSTOMER, values)


def children(transaction: Transaction, account_id: str, parent_id: str) -> list[Customer]:
    """The customers whose parent is `parent_id`, in id order."""
    key = {"account_id": account_id, "parent_id": parent_id}
    return [customer_of(row) for row in transaction.rows(CHILDREN, key)]


def page(
    transaction: Transaction,
    account_id: str,
    wanted: CustomerFilter,
    owner_id: str | None,
    sort_by: CustomerSortBy,
    request: PageRequest[CustomerKey],
) -> Page[Customer]:
    """One page of customers passing `wanted`, whose alias filter stands for `owner_id`."""
    query = SELECT_CUSTOMERS.where(*_conditions(account_id, wanted, owner_id))
    key = [customers.c.id]
    if sort_by is CustomerSortBy.LEGAL_NAME:
        key = [customers.c.legal_name, customers.c.id]
    return Listing(query, key).page(transaction, request, customer_of)


def _conditions(
    account_id: str, wanted: CustomerFilter, owner_id: str | None
) -> Iterator[ColumnElement[bool]]:
    yield customers.c.account_id == account_id
    if not wanted.include_archived:
        yield customers.c.archived_at.is_(None)
    if wanted.legal_name is not None:
        folded = wanted.legal_name.casefold()
        yield customers.c.folded_name.contains(folded, autoescape=True)
    if wanted.email is not None:
        lines = literal("\n") + customers.c.emails + literal("\n")
        yield lines.contains(f"\n{wanted.email.casefold()}\n", autoescape=True)
    if wanted.label is not None:
        yield customers.c.label == wanted.label
    if wanted.alias is not None:
        yield customers.c.id == owner_id if owner_id is not None else false()


def all_customers(transaction: Transaction, account_id: str) -> list[Customer]:
    """Every customer of the account, in id order."""
    query = SELECT_CUSTOMERS.where(customers.c.account_id == account_id)
    return [customer_of(row) for row in transaction.rows(query.order_by(customers.c.id))]


def insert_aliases(transaction: Transaction, new: Sequence[CustomerAlias]) -> None:
    """Store aliases as they are."""
    if new:
        transaction.run_many(INSERT_ALIAS, [ALIASES.values(alias) for alias in new])


def live_alias(transaction: Transaction, account_id: str, alias_id: str) -> CustomerAlias | None:
    """One live alias by id."""
    row = transaction.first(LIVE_ALIAS, {"account_id": account_id, "id": alias_id})
    return None if row is None else ALIASES.load(row)


def put_alias(transaction: Transaction, alias: CustomerAlias) -> None:
    """Store an alias's new values."""
    transaction.run(REPLACE_ALIAS, replacement(ALIASES.values(alias)))


def archive_aliases(
    transaction: Transaction, account_id: str, customer_id: str, at: datetime
) -> None:
    """Archive every live alias of a customer."""
    where = (aliases.c.account_id == account_id, aliases.c.customer_id == customer_id, *LIVE)
    transaction.run(update(aliases).where(*where).values(archived_at=stored_instant(at)))


def aliases_of(transaction: Transaction, account_id: str, customer_id: str) -> list[CustomerAlias]:
    """A customer's live aliases, oldest first."""
    key = {"account_id": account_id, "customer_id": customer_id}
    return [ALIASES.load(row) for row in transaction.rows(ALIASES_OF, key)]


def alias_page(
    transaction: Transaction, account_id: str, value: str | None, request: PageRequest[str]
) -> Page[CustomerAlias]:
    """One page of the account's live aliases (with `value`, if given), by id."""
    query = SELECT_ALIASES.where(aliases.c.account_id == account_id, *LIVE)
    if value is not None:
        query = query.where(aliases.c.value == value)
    return Listing(query, [aliases.c.id]).page(transaction, request, ALIASES.load)


def all_aliases(transaction: Transaction, account_id: str) -> list[CustomerAlias]:
    """Every alias of the account, live or not, in id order."""
    query = SELECT_ALIASES.where(aliases.c.account_id == account_id).order_by(aliases.c.id)
    return [ALIASES.load(row) for row in transaction.rows(query)]


def live_alias_owners(
    transaction: Transaction, account_id: str, values: Collection[str]
) -> dict[str, str]:
    """The customer id of each value that is a live alias."""
    found: dict[str, str] = {}
    for chunk in _chunks(sorted(values)):
        query = select(aliases.c.value, aliases.c.customer_id).where(
            aliases.c.account_id == account_id, aliases.c.value.in_(chunk), *LIVE
        )
        found.update((value, owner) for value, owner in transaction.run(query))
    return found


def owners(transaction: Transaction, account_id: str, values: Collection[str]) -> dict[str, str]:
    """The customer id each value stands for: a live alias first, else a customer's own id."""
    found = live_alias_owners(transaction, account_id, values)
    for chunk in _chunks(sorted(set(values) - found.keys())):
        ids = select(customers.c.id).where(
            customers.c.account_id == account_id, customers.c.id.in_(chunk)
        )
        found.update((owner, owner) for owner in transaction.scalars(ids))
    return found


def has_customers(transaction: Transaction, account_id: str) -> bool:
    """Whether the account has any customer."""
    return transaction.first(HAS_CUSTOMERS, {"account_id": account_id}) is not None


def refs(transaction: Transaction, account_id: str, ids: Iterable[str]) -> dict[str, CustomerRef]:
    """The real customers among `ids`, with their live aliases (oldest first)."""
    found: dict[str, CustomerRef] = {}
    for chunk in _chunks(sorted(set(ids))):
        names = select(customers.c.id, customers.c.legal_name).where(
            customers.c.account_id == account_id, customers.c.id.in_(chunk)
        )
        values: dict[str, list[str]] = {}
        live = (
            select(aliases.c.customer_id, aliases.c.value)
            .where(aliases.c.account_id == account_id, aliases.c.customer_id.in_(chunk), *LIVE)
            .order_by(aliases.c.customer_id, aliases.c.id)
        )
        for customer_id, value in transaction.run(live):
            values.setdefault(customer_id, []).append(value)
        for customer_id, name in transaction.run(names):
            found[customer_id] = CustomerRef(customer_id, name, tuple(values.get(customer_id, ())))
    return found


def held_key(
    transaction: Transaction, account_id: str, key: str
) -> tuple[datetime, CustomerAlias] | None:
    """When a key was recorded, and the alias its first request created."""
    row = transaction.first(HELD_KEY, {"account_id": account_id, "key": key})
    if row is None:
        return None
    recorded = instant(row["recorded_at"])
    assert recorded is not None
    alias = ALIASES.load(
        dict(row) | {"id": row["alias_id"], "deleted_at": None, "archived_at": None}
    )
    return recorded, alias


def hold_key(
    transaction: Transaction, account_id: str, key: str, at: datetime, alias: CustomerAlias
) -> None:
    """Remember the alias a key's request created, replacing what the key held before."""
    transaction.run(keys.delete().where(keys.c.account_id == account_id, keys.c.key == key))
    values: dict[str, Any] = {
        "account_id": account_id,
        "key": key,
        "recorded_at": stored_instant(at),
        "alias_id": alias.id,
        "customer_id": alias.customer_id,
        "value": alias.value,
        "label": alias.label,
        "created_at": stored_instant(alias.created_at),
    }
    transaction.run(INSERT_KEY, values)


def forget_keys(transaction: Transaction, account_id: str, recorded_until: datetime) -> None:
    """Forget the account's keys recorded at or before `recorded_until`."""
    cutoff = stored_instant(recorded_until)
    transaction.run(
        keys.delete().where(keys.c.account_id == account_id, keys.c.recorded_at <= cutoff)
    )


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), IN_LIST_SIZE):
        yield values[start : start + IN_LIST_SIZE]
