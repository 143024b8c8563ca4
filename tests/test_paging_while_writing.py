"""Paging GET /seat-events and GET /usage-events while events arrive and are superseded: what
the README promises."""

from __future__ import annotations

from random import Random
from typing import Any

import pytest
from conftest import basic
from flask.testing import FlaskClient

SORTS = [(by, order) for by in ("createdAt", "eventTimestamp") for order in ("DESC", "ASC")]
KINDS = ("seat", "usage")


class Account:
    """One account, and which customerEventIds were written after paging began."""

    def __init__(self, client: FlaskClient, name: str, seed: str, kind: str = "seat") -> None:
        self.client, self.headers, self.rng = client, basic(name), Random(seed)
        self.path = f"/{kind}-events"
        self.touched: set[str] = set()
        self.count = 0

    def send(self, event_id: str) -> None:
        """Store a version of `event_id` (a new event when the id is new)."""
        amount = self.rng.randint(0, 10_000)
        body: dict[str, Any] = {
            "customerEventId": event_id,
            "customerAlias": "acme",
            "eventTimestamp": f"2024-04-{self.rng.randint(1, 9):02d}T00:00:00Z",
        }
        if self.path == "/seat-events":
            body |= {"seatType": "admin", "total": amount}
        else:
            body |= {"eventType": "sent", "eventProperties": {"n": amount}}
        response = self.client.post(self.path, json=body, headers=self.headers)
        assert response.status_code == 201, response.get_json()

    def meddle(self) -> None:
        """Between two pages: supersede a couple of events and add one."""
        for _ in range(2):
            chosen = f"event-{self.rng.randrange(self.count)}"
            self.touched.add(chosen)
            self.send(chosen)
        added = f"added-{len(self.touched)}-{self.rng.random()}"
        self.touched.add(added)
        self.send(added)

    def page(self, query: dict[str, Any]) -> dict[str, Any]:
        response = self.client.get(self.path, query_string=query, headers=self.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("sort_by", "sort_order"), SORTS)
def test_an_event_left_alone_while_paging_is_listed_exactly_once(
    client: FlaskClient, sort_by: str, sort_order: str, kind: str
) -> None:
    name = f"paging-{sort_by}-{sort_order}"
    account = Account(client, name, f"{sort_by}{sort_order}", kind)
    account.count = 30
    for n in range(account.count):
        account.send(f"event-{n}")
    query = {"sortBy": sort_by, "sortOrder": sort_order, "limit": 4}
    page = account.page(query)
    listed = [item["customerEventId"] for item in page["items"]]
    while page["pagination"]["after"] is not None:
        account.meddle()
        page = account.page({**query, "after": page["pagination"]["after"]})
        listed += [item["customerEventId"] for item in page["items"]]
    untouched = {f"event-{n}" for n in range(account.count)} - account.touched
    assert untouched, "the walk must leave some events alone"
    for event_id in untouched:
        assert listed.count(event_id) == 1, event_id
