"""The Sequence account the credentials stand for: list, fetch, update (BEHAVIOUR.md §13)."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from emulator.domain.pages import PageRequest, paginate
from emulator.http.context import account_id, body, query, services
from emulator.http.errors import not_found
from emulator.http.routing import route
from emulator.schemas.sequence_accounts import (
    ACCOUNT_LIST_QUERY,
    ACCOUNT_UPDATE,
    dump_account,
    dump_account_page,
)


def blueprint() -> Blueprint:
    """The sequence-account routes."""
    routes = Blueprint("sequence_accounts", __name__)
    route(routes, "/sequence-accounts", "GET", list_accounts, query=ACCOUNT_LIST_QUERY)
    route(routes, "/sequence-accounts/<wanted_id>", "GET", get_account)
    route(routes, "/sequence-accounts/<wanted_id>", "PUT", update_account, body=ACCOUNT_UPDATE)
    return routes


def list_accounts() -> ResponseReturnValue:
    """The one account the credentials stand for, paged like any list."""
    account = services().store.sequence_account(account_id())
    page: PageRequest[str] = query()
    listed = paginate([account.account_id], lambda _: account, lambda _: True, page, total=1)
    return dump_account_page(listed)


def get_account(wanted_id: str) -> ResponseReturnValue:
    """The account's details, as last updated or the placeholders."""
    return dump_account(services().store.sequence_account(own(wanted_id)))


def update_account(wanted_id: str) -> ResponseReturnValue:
    """The account's details after the update."""
    return dump_account(services().store.update_sequence_account(own(wanted_id), body()))


def own(wanted_id: str) -> str:
    """The id, when it is the credentials' own account; any other is a 404."""
    if wanted_id != account_id():
        raise not_found(f"No Sequence account with id {wanted_id!r}")
    return wanted_id
