"""POST /_emulator/seat-charges: what a seat-based price bills, from the stored events (§10)."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from emulator.control.state import product_account
from emulator.domain.charges import seat_charge
from emulator.domain.customers import implicit_customer_id
from emulator.domain.pages import PageRequest
from emulator.domain.seat_event_query import SeatEventFilter, SeatEventKey, SeatEventQuery, SortBy
from emulator.domain.seat_events import SeatEvent
from emulator.http.context import body, services
from emulator.http.errors import Problem, validation_error
from emulator.rules import Store
from emulator.schemas.charges import SeatChargeRequest, dump_seat_charge

PAGE_SIZE = 100


def post_seat_charge() -> ResponseReturnValue:
    """The charge for one customer, seat type and period, computed from the effective events."""
    asked: SeatChargeRequest = body()
    account_id = charged_account(asked.account_id)
    events = effective_events(services().store, account_id, customer_filter(asked))
    charge = seat_charge(events, asked.start, asked.end, asked.price)
    return dump_seat_charge(asked, account_id, billed_customer(asked, account_id, events), charge)


def charged_account(given: str | None) -> str:
    """`accountId` from the body, else the account of product credentials sent along."""
    from_credentials = product_account()
    given = from_credentials if given is None else given
    if given is None:
        message = "Give accountId, or the account's product credentials (Authorization: Basic)"
        raise validation_error([Problem("body.accountId", message)])
    return given


def customer_filter(asked: SeatChargeRequest) -> SeatEventFilter:
    """The customer's events of the seat type, up to the end of the period."""
    ids = frozenset({asked.customer_id}) if asked.customer_id is not None else None
    return SeatEventFilter(
        customer_alias=asked.customer_alias,
        customer_ids=ids,
        seat_types=frozenset({asked.seat_type}),
        before=asked.end,
    )


def effective_events(store: Store, account_id: str, wanted: SeatEventFilter) -> list[SeatEvent]:
    """Every effective event that matches, read page by page in the order received."""
    events: list[SeatEvent] = []
    after: SeatEventKey | None = None
    while True:
        page = PageRequest[SeatEventKey](limit=PAGE_SIZE, descending=False, after=after)
        found = store.list_seat_events(account_id, SeatEventQuery(wanted, SortBy.CREATED_AT, page))
        events += found.items
        if not found.has_after or not found.items:
            return events
        after = found.items[-1].id


def billed_customer(
    asked: SeatChargeRequest, account_id: str, events: list[SeatEvent]
) -> tuple[str | None, str]:
    """The alias (when one alias holds the events) and the customer id."""
    if asked.customer_alias is not None:
        return asked.customer_alias, implicit_customer_id(account_id, asked.customer_alias)
    aliases = {event.customer_alias for event in events}
    return (aliases.pop() if len(aliases) == 1 else None), str(asked.customer_id)
