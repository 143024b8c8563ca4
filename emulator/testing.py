"""SequenceEmulator: a handle on a live emulator for tests, used by the pytest plugin.

Product calls always go over HTTP, as the code under test makes them. Control calls go
in-process when the server runs in this process (microseconds), over HTTP otherwise.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from emulator.domain.accounts import derived_account_id


class Control(Protocol):
    """The control plane, however it is reached."""

    def begin(self, account_id: str) -> int:
        """Make the emulator fresh for a test; the journal sequence to read from."""
        ...

    def call(
        self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None
    ) -> Any:
        """One control-plane call; its decoded answer, or HttpError."""
        ...


# The helpers' own product calls say so, and `SequenceEmulator.requests()` leaves them out.
HELPER_AGENT = "sequence-emulator-pytest"


class HttpError(AssertionError):
    """A call the emulator answered with an error (raised from a helper, so the test fails)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {json.dumps(body)}")
        self.status = status
        self.body = body

    @property
    def error_type(self) -> str | None:
        """Sequence's `error.type`: `validationError`, `NotFound`, ..."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return error.get("type") if isinstance(error, dict) else None

    @property
    def problems(self) -> dict[str, str]:
        """Each refused field's `key` (as sent: `total`, `address.line1`) and its message."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        found = error.get("errors", []) if isinstance(error, dict) else []
        return {problem["key"]: problem["message"] for problem in found}


def http_call(
    url: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> Any:
    """One JSON request; the decoded answer, or HttpError."""
    data = None if body is None else json.dumps(body).encode()
    all_headers = {
        "Content-Type": "application/json",
        "User-Agent": HELPER_AGENT,
        **(headers or {}),
    }
    request = urllib.request.Request(url + path, data=data, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raise HttpError(error.code, json.loads(error.read() or b"null")) from None


@dataclass
class HttpControl:
    """The control plane of a server elsewhere (another process, a CI service container).

    Other test processes may share that server, so a test only empties its own account and
    reads the journal from where it stood when the test began.
    """

    url: str
    admin_token: str | None = None

    def begin(self, account_id: str) -> int:
        """Empty the account; the last journal sequence of the account so far."""
        account = {"accountId": account_id}
        self.call("POST", "/_emulator/reset", query=account)
        page = self.call("GET", "/_emulator/requests", query={**account, "limit": "1"})
        return int(page["latestSequence"])

    def call(
        self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None
    ) -> Any:
        """One control-plane call."""
        suffix = "?" + urllib.parse.urlencode(query) if query else ""
        headers = {"Authorization": f"Bearer {self.admin_token}"} if self.admin_token else {}
        return http_call(self.url, method, path + suffix, body, headers)


@dataclass
class SequenceEmulator:
    """A live emulator, seen from one test: its URL, credentials, and helpers."""

    url: str
    control: Control
    client_id: str = "key"
    client_secret: str = "secret"
    account_id: str = ""
    _journal_start: int = field(default=0, repr=False)
    _faults: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.account_id = self.account_id or derived_account_id(self.client_id)

    @property
    def _account(self) -> dict[str, str]:
        return {"accountId": self.account_id}

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header of this handle's credentials."""
        token = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    # --- product API -------------------------------------------------------------------

    def post_seat_event(
        self,
        customer_alias: str,
        seat_type: str,
        total: int,
        event_timestamp: str | None = None,
        customer_event_id: str | None = None,
    ) -> dict[str, Any]:
        """POST /seat-events; the created (or retried) event."""
        body = {
            "customerAlias": customer_alias,
            "seatType": seat_type,
            "total": total,
            "eventTimestamp": event_timestamp or self.now(),
        }
        if customer_event_id is not None:
            body["customerEventId"] = customer_event_id
        event: dict[str, Any] = self.request("POST", "/seat-events", body)
        return event

    def seat_events(
        self, customer_alias: str | None = None, **filters: str
    ) -> list[dict[str, Any]]:
        """Every effective seat event (all pages), newest first, with GET /seat-events filters."""
        query = {**filters, **({"customerAlias": customer_alias} if customer_alias else {})}
        return list(self._pages("/seat-events", {"limit": "100", **query}))

    def create_customer(
        self, legal_name: str, aliases: tuple[str, ...] = (), **fields: Any
    ) -> dict[str, Any]:
        """POST /customers with a valid placeholder address, no contacts, TAXED, and `aliases`;
        any field in Sequence's names overrides those."""
        body: dict[str, Any] = {
            "legalName": legal_name,
            "address": {
                "line1": "1 Test Street",
                "town": "London",
                "postcode": "N1 1AA",
                "country": "GB",
            },
            "contacts": [],
            "taxStatus": "TAXED",
            "customerAliases": list(aliases),
            **fields,
        }
        customer: dict[str, Any] = self.request("POST", "/customers", body)
        return customer

    def map_alias(self, customer_id: str, value: str, label: str | None = None) -> dict[str, Any]:
        """POST /customer-aliases: `value` now stands for the customer."""
        body = {"customerId": customer_id, "value": value, **({"label": label} if label else {})}
        alias: dict[str, Any] = self.request("POST", "/customer-aliases", body)
        return alias

    def balances(self, **filters: str) -> list[dict[str, Any]]:
        """GET /seat-balances items."""
        items: list[dict[str, Any]] = self.request("GET", _with_query("/seat-balances", filters))[
            "items"
        ]
        return items

    def balance(self, customer_alias: str, seat_type: str) -> int:
        """The seats in force now for one alias and seat type (0 when there are none)."""
        for customer in self.balances(customerAliases=customer_alias):
            for entry in customer["balances"]:
                if entry["seatType"] == seat_type:
                    return int(entry["total"])
        return 0

    def post_usage_event(
        self,
        customer_alias: str,
        event_type: str,
        event_properties: dict[str, Any] | None = None,
        event_timestamp: str | None = None,
        customer_event_id: str | None = None,
    ) -> dict[str, Any]:
        """POST /usage-events (no timestamp: the emulator's now); the created or retried event."""
        body: dict[str, Any] = {"customerAlias": customer_alias, "eventType": event_type}
        optional = {
            "eventProperties": event_properties,
            "eventTimestamp": event_timestamp,
            "customerEventId": customer_event_id,
        }
        body |= {key: value for key, value in optional.items() if value is not None}
        event: dict[str, Any] = self.request("POST", "/usage-events", body)
        return event

    def usage_events(
        self, customer_alias: str | None = None, **filters: str
    ) -> list[dict[str, Any]]:
        """Every effective usage event (all pages), newest first, with GET /usage-events
        filters."""
        query = {**filters, **({"customerAlias": customer_alias} if customer_alias else {})}
        return list(self._pages("/usage-events", {"limit": "100", **query}))

    def create_usage_metric(
        self, name: str, event_type: str, aggregation_type: str = "COUNT", **fields: Any
    ) -> dict[str, Any]:
        """POST /usage-metrics, SIMPLE unless `fields` (in Sequence's names) say otherwise."""
        body = {
            "name": name,
            "metricType": "SIMPLE",
            "eventType": event_type,
            "aggregationType": aggregation_type,
            **fields,
        }
        metric: dict[str, Any] = self.request("POST", "/usage-metrics", body)
        return metric

    def calculate(
        self, metric_id: str, customer_aliases: str, period_start: str, period_end: str
    ) -> dict[str, Any]:
        """GET /usage-metrics/{id}/calculate: the metric over the customers' (comma-separated
        aliases or ids) events from period_start to period_end, inclusive."""
        query = {
            "customerAliases": customer_aliases,
            "periodStart": period_start,
            "periodEnd": period_end,
        }
        path = _with_query(f"/usage-metrics/{urllib.parse.quote(metric_id)}/calculate", query)
        answer: dict[str, Any] = self.request("GET", path)
        return answer

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Any product call with this handle's credentials; HttpError on an error status."""
        return http_call(self.url, method, path, body, self.headers)

    def _pages(self, path: str, query: dict[str, str]) -> Iterator[dict[str, Any]]:
        while True:
            page = self.request("GET", _with_query(path, query))
            yield from page["items"]
            if page["pagination"]["after"] is None:
                return
            query = {**query, "after": page["pagination"]["after"]}

    # --- control plane -------------------------------------------------------------------

    def reset(self) -> None:
        """Empty this handle's account."""
        self.control.call("POST", "/_emulator/reset", query=self._account)

    def requests(self, **filters: str) -> list[dict[str, Any]]:
        """What the code under test sent since the test began, in this account (the helpers'
        own calls left out); filters as the journal's: method, path, status, since."""
        found: list[dict[str, Any]] = []
        after: int | None = self._journal_start
        while after is not None:
            query = {**filters, **self._account, "after": str(after)}
            page = self.control.call("GET", "/_emulator/requests", query=query)
            found += page["items"]
            after = page["next"]
        return [entry for entry in found if entry["headers"].get("User-Agent") != HELPER_AGENT]

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule for this account (same fields as POST /_emulator/faults)."""
        created: dict[str, Any] = self.control.call(
            "POST", "/_emulator/faults", {"accountId": self.account_id, **rule}
        )
        self._faults.append(created["id"])
        return created

    def clear_faults(self) -> None:
        """Remove the fault rules this handle added."""
        while self._faults:
            try:
                self.control.call("DELETE", f"/_emulator/faults/{self._faults.pop()}")
            except HttpError as error:
                if error.status != 404:
                    raise

    def now(self) -> str:
        """The emulator clock's now, as ISO 8601."""
        return str(self.control.call("GET", "/_emulator/clock")["now"])

    def freeze_clock(self, at: str | datetime) -> None:
        """Stop the emulator clock at an instant."""
        instant = at.isoformat() if isinstance(at, datetime) else at
        self.control.call("PUT", "/_emulator/clock", {"freezeAt": instant})

    def advance_clock(self, by: str | timedelta) -> None:
        """Move the emulator clock by an ISO 8601 duration (or a timedelta)."""
        duration = _iso_duration(by) if isinstance(by, timedelta) else by
        self.control.call("PUT", "/_emulator/clock", {"advance": duration})

    def resume_clock(self) -> None:
        """Return the emulator clock to system time."""
        self.control.call("DELETE", "/_emulator/clock")

    def export_state(self) -> dict[str, Any]:
        """This account's state document."""
        state: dict[str, Any] = self.control.call("GET", "/_emulator/state", query=self._account)
        return state

    def import_state(self, document: dict[str, Any]) -> None:
        """Replace this account's data with a state document's."""
        self.control.call("PUT", "/_emulator/state", document, self._account)

    def seat_charge(
        self, customer_alias: str, seat_type: str, start: str | date, end: str | date, **price: Any
    ) -> dict[str, Any]:
        """What a seat-based price bills the alias's seats of one type over [start, end), from
        this account's events (POST /_emulator/seat-charges); price fields in Sequence's names:
        `seat_charge("acme", "admin", "2024-04-01", "2024-05-01", pricePerSeat="15",
        prorationStrategy="PRORATE_INCREMENTS", billingType="IN_ARREARS")`."""
        body = {
            "accountId": self.account_id,
            "customerAlias": customer_alias,
            "seatType": seat_type,
            "startDate": start.isoformat() if isinstance(start, date) else start,
            "endDate": end.isoformat() if isinstance(end, date) else end,
            "price": price,
        }
        charge: dict[str, Any] = self.control.call("POST", "/_emulator/seat-charges", body)
        return charge

    def begin(self) -> SequenceEmulator:
        """Start a test: an empty account, and a journal read from here on."""
        self._journal_start = self.control.begin(self.account_id)
        return self

    def end(self) -> None:
        """End a test: remove its fault rules."""
        self.clear_faults()


def _with_query(path: str, query: dict[str, str]) -> str:
    return f"{path}?{urllib.parse.urlencode(query)}" if query else path


def _iso_duration(delta: timedelta) -> str:
    sign = "-" if delta < timedelta(0) else ""
    seconds = abs(delta).total_seconds()
    return f"{sign}PT{seconds:g}S"
