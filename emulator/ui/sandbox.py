"""The sandbox around the seats: accounts, customers and aliases, seat metrics, and controls."""

from __future__ import annotations

from typing import Any

from emulator.domain.customer_query import AliasQuery, CustomerFilter, CustomerQuery, CustomerSortBy
from emulator.domain.pages import PageRequest
from emulator.schemas.control import dump_fault_rule
from emulator.services import Services
from emulator.ui.sections import Asked, Section

LISTED = 100  # customers, aliases and metrics shown (the counts say how many there are)


def accounts(emulator: Services, asked: Asked) -> dict[str, Any]:
    """Every account that holds data or has configured credentials, with its client ids."""
    clients: dict[str, list[str]] = {}
    for credential in emulator.settings.credentials:
        clients.setdefault(credential.account_id, []).append(credential.client_id)
    found = sorted({*emulator.store.account_ids(), *clients})
    return {"accounts": [(account, clients.get(account, [])) for account in found]}


def customers(emulator: Services, asked: Asked) -> dict[str, Any]:
    """The account's customers (archived ones too) and its live aliases."""
    listed = CustomerQuery(
        CustomerFilter(include_archived=True),
        CustomerSortBy.LEGAL_NAME,
        PageRequest(limit=LISTED, descending=False),
    )
    page = emulator.store.list_customers(asked.account, listed)
    aliases = emulator.store.list_customer_aliases(
        asked.account, AliasQuery(None, PageRequest(limit=LISTED))
    )
    return {"customers": page, "aliases": aliases}


def seat_metrics(emulator: Services, asked: Asked) -> dict[str, Any]:
    """The account's seat metrics, oldest first."""
    request = PageRequest[str](limit=LISTED, descending=False)
    return {"metrics": emulator.store.list_seat_metrics(asked.account, request)}


def controls(emulator: Services, asked: Asked) -> dict[str, Any]:
    """The clock and the fault rules, which the page changes through the control plane."""
    rules = [dump_fault_rule(rule) for rule in emulator.faults.rules()]
    return {"now": emulator.clock.now(), "frozen": emulator.clock.frozen, "rules": rules}


SECTIONS = (
    Section("customers", "Customers and aliases", customers, live=True),
    Section("metrics", "Seat metrics", seat_metrics, live=True),
    Section("controls", "Controls", controls, live=True, needs_account=False),
    Section("accounts", "Accounts", accounts, panel=False, needs_account=False),
)
