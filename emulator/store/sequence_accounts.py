"""Rows of accounts' company details. Storage only: the rules are in emulator.rules."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, select

from emulator.domain.accounts import SequenceAccount
from emulator.store.database import Transaction
from emulator.store.statements import Prepared, Row
from emulator.store.tables import sequence_accounts as accounts

BY_ACCOUNT = accounts.c.account_id == bindparam("account_id")
FIND = Prepared(select(accounts).where(BY_ACCOUNT))
INSERT = Prepared(accounts.insert())
DELETE = Prepared(accounts.delete().where(BY_ACCOUNT))


def find(transaction: Transaction, account_id: str) -> SequenceAccount | None:
    """The account's stored details, or None if they were never updated."""
    row = transaction.first(FIND, {"account_id": account_id})
    return None if row is None else _account(row)


def put(transaction: Transaction, account: SequenceAccount) -> None:
    """Store the account's details, replacing what was stored."""
    transaction.run(DELETE, {"account_id": account.account_id})
    transaction.run(INSERT, _values(account))


def _values(account: SequenceAccount) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "company_name": account.company_name,
        "company_number": account.company_number,
        "country": account.country,
        "send_customer_notifications": int(account.send_customer_notifications),
        "alert_email_addresses": json.dumps(list(account.alert_email_addresses)),
    }


def _account(row: Row) -> SequenceAccount:
    return SequenceAccount(
        account_id=row["account_id"],
        company_name=row["company_name"],
        company_number=row["company_number"],
        country=row["country"],
        send_customer_notifications=bool(row["send_customer_notifications"]),
        alert_email_addresses=tuple(json.loads(row["alert_email_addresses"])),
    )
