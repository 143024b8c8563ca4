"""Reset, export and import of the emulator's data (BEHAVIOUR.md §9)."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from emulator.domain.state import AccountState
from emulator.http.auth import Authenticator, scoping_account
from emulator.http.context import body, query, services
from emulator.http.errors import Problem, validation_error
from emulator.schemas.state import dump_state


def chosen_account() -> str | None:
    """`?accountId=`, else the account of product credentials sent along, else None (all)."""
    account_id: str | None = query()["account_id"]
    credentials_account = product_account()
    return credentials_account if account_id is None else account_id


def product_account() -> str | None:
    """The account of the product credentials sent along (401 when they are malformed)."""
    settings = services().settings
    authenticator = Authenticator(settings.credentials)
    header = request.headers.get("Authorization")
    return scoping_account(header, authenticator, settings.admin_token is not None)


def reset() -> ResponseReturnValue:
    """Empty every account, or one; the journal, faults and clock are left alone."""
    account_id = chosen_account()
    services().store.reset(account_id)
    return {"reset": "account" if account_id else "all", "accountId": account_id}


def export_state() -> ResponseReturnValue:
    """The whole server's data, or one account's."""
    return dump_state(services().store.export_accounts(chosen_account()))


def import_state() -> ResponseReturnValue:
    """Replace the whole server's data (or one account's) with the document."""
    account_id = chosen_account()
    accounts: list[AccountState] = body()
    strangers = sorted({a.account_id for a in accounts} - {account_id} if account_id else set())
    if strangers:
        message = f"The document holds other accounts than {account_id}: {', '.join(strangers)}"
        raise validation_error([Problem("body.accounts", message)])
    counts = {
        "accounts": len(accounts),
        "seatEvents": sum(len(a.seat_events) for a in accounts),
        "seatMetrics": sum(len(a.seat_metrics) for a in accounts),
        "usageEvents": sum(len(a.usage_events) for a in accounts),
        "usageMetrics": sum(len(a.usage_metrics) for a in accounts),
    }
    services().import_accounts(accounts, account_id)  # uses the accounts up
    return counts
