"""Customer and alias flows, written once (BEHAVIOUR.md §11): unique live aliases, parents,
archiving, Idempotency-Key, and which customer an alias stands for."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime

from emulator.domain.customer_query import AliasQuery, CustomerQuery
from emulator.domain.customers import (
    AliasDirectory,
    AliasDraft,
    AliasUpdate,
    Customer,
    CustomerAlias,
    CustomerDraft,
    CustomerRef,
    CustomerRuleError,
    alias_taken,
    archived_customer,
    check_alias_values,
    check_parent,
    new_alias,
    new_customer,
    updated_alias,
    updated_customer,
)
from emulator.domain.idempotency import RETENTION, IdempotencyKey, still_held
from emulator.domain.pages import Page
from emulator.rules.minting import Mint
from emulator.store import customers as rows
from emulator.store.database import Transaction


def create(transaction: Transaction, account_id: str, draft: CustomerDraft, mint: Mint) -> Customer:
    """A new customer and its aliases at once, or CustomerRuleError (nothing stored)."""
    values = _new_alias_values(transaction, account_id, draft.aliases, None)
    if draft.parent_id is not None:
        check_parent(None, draft.parent_id, _lookup(transaction, account_id))
    customer = new_customer(draft, account_id, mint)
    _store(transaction, customer, values, mint)
    return customer


def update(
    transaction: Transaction,
    account_id: str,
    customer_id: str,
    draft: CustomerDraft,
    now: datetime,
    mint: Mint,
) -> Customer | None:
    """Apply PUT (and add the aliases it names), or CustomerRuleError; None if unknown."""
    current = rows.find(transaction, account_id, customer_id)
    if current is None:
        return None
    values = _new_alias_values(transaction, account_id, draft.aliases, customer_id)
    if draft.parent_id is not None:
        check_parent(customer_id, draft.parent_id, _lookup(transaction, account_id))
    customer = updated_customer(current, draft, now, mint)
    _store(transaction, customer, values, mint)
    return customer


def _store(transaction: Transaction, customer: Customer, values: Sequence[str], mint: Mint) -> None:
    aliases = [new_alias(customer, v, None, mint(), "customerAliases") for v in values]
    rows.put(transaction, customer)
    rows.insert_aliases(transaction, aliases)


def archive(
    transaction: Transaction, account_id: str, customer_id: str, now: datetime
) -> Customer | None:
    """Archive a customer and its live aliases; None if unknown."""
    current = rows.find(transaction, account_id, customer_id)
    if current is None or current.is_archived:
        return current
    customer = archived_customer(current, now)
    rows.put(transaction, customer)
    rows.archive_aliases(transaction, account_id, customer_id, now)
    return customer


def by_alias(transaction: Transaction, account_id: str, alias: str) -> Customer | None:
    """The customer a live alias, else a customer id, stands for."""
    owner = rows.owners(transaction, account_id, [alias]).get(alias)
    return None if owner is None else rows.find(transaction, account_id, owner)


def listing(transaction: Transaction, account_id: str, query: CustomerQuery) -> Page[Customer]:
    """One page of customers; the alias filter keeps the customer the alias stands for."""
    wanted = query.filter
    owner = None
    if wanted.alias is not None:
        owner = rows.owners(transaction, account_id, [wanted.alias]).get(wanted.alias)
    return rows.page(transaction, account_id, wanted, owner, query.sort_by, query.page)


def directory(
    transaction: Transaction, account_id: str, aliases: Collection[str]
) -> AliasDirectory:
    """The real customer each alias stands for; aliases standing for none are left out."""
    if not aliases or not rows.has_customers(transaction, account_id):
        return {}
    owners = rows.owners(transaction, account_id, aliases)
    refs: dict[str, CustomerRef] = rows.refs(transaction, account_id, owners.values())
    return {alias: refs[owner] for alias, owner in owners.items()}


def create_alias(
    transaction: Transaction,
    account_id: str,
    draft: AliasDraft,
    mint: Mint,
    idempotency: IdempotencyKey | None,
) -> CustomerAlias:
    """A live alias, or CustomerRuleError; a key held from an earlier request answers that
    request's alias again and stores nothing."""
    if idempotency is not None:
        held = rows.held_key(transaction, account_id, idempotency.key)
        if held is not None and still_held(held[0], idempotency.now):
            return held[1]
    check_alias_values([draft.value], "value")
    customer = rows.find(transaction, account_id, draft.customer_id)
    if customer is None:
        raise CustomerRuleError("customerId", f"No customer with id {draft.customer_id!r}")
    if rows.live_alias_owners(transaction, account_id, [draft.value]):
        raise alias_taken(draft.value, "value")
    alias = new_alias(customer, draft.value, draft.label, mint(), "customerId")
    rows.insert_aliases(transaction, [alias])
    if idempotency is not None:
        rows.forget_keys(transaction, account_id, idempotency.now - RETENTION)
        rows.hold_key(transaction, account_id, idempotency.key, idempotency.now, alias)
    return alias


def update_alias(
    transaction: Transaction, account_id: str, alias_id: str, change: AliasUpdate
) -> CustomerAlias | None:
    """A live alias's new label; None if unknown (or no longer live)."""
    return _changed_alias(transaction, account_id, alias_id, lambda a: updated_alias(a, change))


def delete_alias(
    transaction: Transaction, account_id: str, alias_id: str, now: datetime
) -> CustomerAlias | None:
    """Mark a live alias deleted and return it; None if unknown (or no longer live)."""
    return _changed_alias(transaction, account_id, alias_id, lambda a: replace(a, deleted_at=now))


def _changed_alias(
    transaction: Transaction,
    account_id: str,
    alias_id: str,
    change: Callable[[CustomerAlias], CustomerAlias],
) -> CustomerAlias | None:
    """A live alias changed and stored; None if unknown (or no longer live)."""
    alias = rows.live_alias(transaction, account_id, alias_id)
    if alias is None:
        return None
    changed = change(alias)
    rows.put_alias(transaction, changed)
    return changed


def alias_listing(
    transaction: Transaction, account_id: str, query: AliasQuery
) -> Page[CustomerAlias]:
    """One page of the account's live aliases."""
    return rows.alias_page(transaction, account_id, query.value, query.page)


def _new_alias_values(
    transaction: Transaction, account_id: str, values: Sequence[str], customer_id: str | None
) -> list[str]:
    """The values that are not yet the customer's; CustomerRuleError if one is another's."""
    check_alias_values(values, "customerAliases")
    owners = rows.live_alias_owners(transaction, account_id, values)
    for value in values:
        if owners.get(value, customer_id) != customer_id:
            raise alias_taken(value, "customerAliases")
    return [value for value in values if value not in owners]


def _lookup(transaction: Transaction, account_id: str) -> Callable[[str], Customer | None]:
    return lambda customer_id: rows.find(transaction, account_id, customer_id)
