"""Whole accounts: their company details, export, import (a replay in id order) and reset
(BEHAVIOUR.md §9, §13)."""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from emulator.domain.accounts import (
    AccountUpdate,
    SequenceAccount,
    placeholder_account,
    updated_account,
)
from emulator.domain.state import AccountState
from emulator.domain.usage_events import UsageEvent
from emulator.domain.usage_metrics import UsageMetric
from emulator.rules import seat_events, usage_events, usage_totals
from emulator.store import accounts as account_rows
from emulator.store import customers as customer_rows
from emulator.store import seat_events as event_rows
from emulator.store import seat_metrics as metric_rows
from emulator.store import sequence_accounts as details_rows
from emulator.store import usage_events as usage_event_rows
from emulator.store import usage_metrics as usage_metric_rows
from emulator.store.database import Transaction

T = TypeVar("T", UsageEvent, UsageMetric)


def details(transaction: Transaction, account_id: str) -> SequenceAccount:
    """The account's company details: as last updated, else the placeholders."""
    return details_rows.find(transaction, account_id) or placeholder_account(account_id)


def update_details(
    transaction: Transaction, account_id: str, update: AccountUpdate
) -> SequenceAccount:
    """Store the account's details with what the update gives."""
    account = updated_account(details(transaction, account_id), update)
    details_rows.put(transaction, account)
    return account


def export(transaction: Transaction, account_id: str | None) -> list[AccountState]:
    """Every account's data (or one account's), each table in id order."""
    held = account_rows.account_ids(transaction)
    wanted = [account_id] if account_id else held
    return [_state(transaction, key) for key in wanted if key in held]


def _state(transaction: Transaction, account_id: str) -> AccountState:
    return AccountState(
        account_id,
        tuple(event_rows.all_versions(transaction, account_id)),
        tuple(metric_rows.all_metrics(transaction, account_id)),
        tuple(customer_rows.all_customers(transaction, account_id)),
        tuple(customer_rows.all_aliases(transaction, account_id)),
        sequence_account=details_rows.find(transaction, account_id),
        usage_events=tuple(usage_event_rows.VERSIONS.all_versions(transaction, account_id)),
        usage_metrics=tuple(usage_metric_rows.all_metrics(transaction, account_id)),
    )


def replace_accounts(
    transaction: Transaction, states: list[AccountState], account_id: str | None
) -> None:
    """Replace everything (or that one account) with `states`."""
    account_rows.delete(transaction, account_id)
    for state in states:
        if account_id is None or state.account_id == account_id:
            _load(transaction, state)


def _load(transaction: Transaction, state: AccountState) -> None:
    """Load one account's rows under the state's account, whatever its items say."""
    account = state.account_id
    # A state loaded from a document already names its account: no second copy of its events.
    seat_events.replay(
        transaction,
        account,
        [
            e if e.account_id == account else replace(e, account_id=account)
            for e in state.seat_events
        ],
    )
    metric_rows.insert(transaction, *(replace(m, account_id=account) for m in state.seat_metrics))
    for customer in state.customers:
        customer_rows.put(transaction, replace(customer, account_id=account))
    customer_rows.insert_aliases(
        transaction, [replace(a, account_id=account) for a in state.customer_aliases]
    )
    if state.sequence_account is not None:
        details_rows.put(transaction, replace(state.sequence_account, account_id=account))
    usage_events.replay(transaction, account, [_in(account, e) for e in state.usage_events])
    usage_metric_rows.insert(transaction, *(_in(account, m) for m in state.usage_metrics))
    usage_totals.rebuild_account(transaction, account)


def _in(account_id: str, item: T) -> T:
    """`item` under the account (no copy when it names it already)."""
    return item if item.account_id == account_id else replace(item, account_id=account_id)
