"""GET /_emulator/requests in pages: `limit` and `after`, `next` and `latestSequence`."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import SEQUENCE_EXAMPLE, basic
from flask.testing import FlaskClient

from emulator.domain.journal import PAGE_BYTES


def page(client: FlaskClient, **query: Any) -> dict[str, Any]:
    response = client.get("/_emulator/requests", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def sequences(found: dict[str, Any]) -> list[int]:
    return [entry["sequence"] for entry in found["items"]]


def every_page(client: FlaskClient, **query: Any) -> list[list[int]]:
    """Each page's sequences, following `next` from the start."""
    pages, after = [], 0
    while after is not None:
        found = page(client, **query, after=after)
        pages.append(sequences(found))
        after = found["next"]
    return pages


def send(client: FlaskClient, count: int, **body: Any) -> None:
    for n in range(count):
        event = {**SEQUENCE_EXAMPLE, "customerEventId": f"paged-{n}", **body}
        client.post("/seat-events", json=event, headers=basic())


def test_a_short_journal_is_one_page_with_no_next(client: FlaskClient) -> None:
    send(client, 3)
    found = page(client)
    assert len(found["items"]) == 3 and found["next"] is None
    assert found["latestSequence"] == sequences(found)[-1]


def test_pages_follow_next_without_a_skip_or_a_repeat(client: FlaskClient) -> None:
    send(client, 5)
    pages = every_page(client, limit=2)
    assert [len(p) for p in pages] == [2, 2, 1]
    flat = [number for p in pages for number in p]
    assert flat == sorted(flat) and len(set(flat)) == 5


def test_paging_keeps_the_filters(client: FlaskClient) -> None:
    send(client, 3)
    client.get("/seat-events", headers=basic())
    send(client, 2)
    pages = every_page(client, limit=2, method="POST")
    assert [len(p) for p in pages] == [2, 2, 1]
    assert page(client, method="GET")["next"] is None


def test_after_reads_only_what_came_later(client: FlaskClient) -> None:
    send(client, 2)
    start = page(client, limit=1)["latestSequence"]
    send(client, 3)
    assert len(page(client, after=start)["items"]) == 3
    assert page(client, after=page(client)["latestSequence"])["items"] == []


def test_latest_sequence_is_zero_before_any_request(client: FlaskClient) -> None:
    assert page(client) == {"items": [], "next": None, "latestSequence": 0, "limit": 10_000}


def test_a_page_stops_before_its_byte_bound(client: FlaskClient) -> None:
    # A 400 keeps its body: each entry holds about 60 KiB, so 8 MiB is reached well before 1000.
    filler = "x" * 60_000
    count = PAGE_BYTES // 60_000 + 10
    send(client, count, total="refused", filler=filler)
    pages = every_page(client)
    assert len(pages) == 2 and sum(map(len, pages)) == count
    assert len(pages[0]) < count


@pytest.mark.parametrize(
    "query",
    [
        {"limit": 0},
        {"limit": 10_001},
        {"limit": "x"},
        {"limit": "\uff11\uff10"},  # fullwidth 10
        {"after": -1},
        {"after": "\u0661"},  # Arabic-Indic 1
        {"status": "\u0664\u0660\u0660"},  # Arabic-Indic 400
    ],
)
def test_a_limit_or_after_out_of_range_is_a_400(client: FlaskClient, query: dict[str, Any]) -> None:
    response = client.get("/_emulator/requests", query_string=query)
    assert response.status_code == 400
    assert response.get_json()["error"]["errors"][0]["key"] == next(iter(query))
