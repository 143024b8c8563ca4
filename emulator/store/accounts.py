"""Rows across every table of an account: which accounts exist, counts, ids, deletion."""

from __future__ import annotations

from sqlalchemy import Table, bindparam, func, select, union

from emulator.store.database import Transaction
from emulator.store.statements import Prepared
from emulator.store.tables import (
    ACCOUNT_TABLES,
    customer_aliases,
    customers,
    seat_events,
    seat_metrics,
    sequence_accounts,
    usage_events,
    usage_metrics,
)


def account_ids(transaction: Transaction) -> list[str]:
    """Every account that holds data, sorted."""
    holders = (
        seat_events,
        seat_metrics,
        customers,
        customer_aliases,
        sequence_accounts,
        usage_events,
        usage_metrics,
    )
    query = union(*(select(table.c.account_id).distinct() for table in holders))
    return sorted(transaction.scalars(query))


def count(transaction: Transaction, table: Table, account_id: str | None) -> int:
    """Rows of one table, in one account or in all."""
    query = select(func.count()).select_from(table)
    if account_id is not None:
        query = query.where(table.c.account_id == account_id)
    return int(transaction.scalar(query))


def greatest_id(transaction: Transaction, account_id: str, tables: tuple[str, ...]) -> str | None:
    """The greatest id the account has in `tables` (one index seek each)."""
    found = [transaction.scalar(GREATEST[name], {"account_id": account_id}) for name in tables]
    return max((i for i in found if i is not None), default=None)


GREATEST = {
    table.name: Prepared(
        select(func.max(table.c.id)).where(table.c.account_id == bindparam("account_id"))
    )
    for table in ACCOUNT_TABLES
    if "id" in table.c
}


# A reset runs before every test of the pytest fixture: its statements are compiled once.
DELETE_ACCOUNT = [
    Prepared(table.delete().where(table.c.account_id == bindparam("account_id")))
    for table in ACCOUNT_TABLES
]
DELETE_ALL = [Prepared(table.delete()) for table in ACCOUNT_TABLES]


def delete(transaction: Transaction, account_id: str | None) -> None:
    """Every row of one account, or of all."""
    if account_id is None:
        for statement in DELETE_ALL:
            transaction.run(statement)
        return
    for statement in DELETE_ACCOUNT:
        transaction.run(statement, {"account_id": account_id})
