"""Cursor pagination over sorted keys: forwards and backwards, nothing repeated or skipped."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.pages import (
    InvalidCursorError,
    Page,
    PageRequest,
    decode_cursor,
    encode_cursor,
    paginate,
)


def page_of(
    keys: list[int], request: PageRequest[int], keep: frozenset[int] | None = None
) -> Page[int]:
    matches = (lambda k: True) if keep is None else (lambda k: k in keep)
    total = sum(1 for k in keys if matches(k))
    return paginate(keys, lambda i: keys[i], matches, request, total)


def walk_forward(
    keys: list[int], limit: int, descending: bool, keep: frozenset[int] | None
) -> list[Page[int]]:
    pages = [page_of(keys, PageRequest(limit, descending), keep)]
    while pages[-1].has_after:
        after = pages[-1].items[-1]
        pages.append(page_of(keys, PageRequest(limit, descending, after=after), keep))
    return pages


def test_first_page_in_each_order() -> None:
    keys = list(range(10))
    assert page_of(keys, PageRequest(3, descending=False)).items == [0, 1, 2]
    assert page_of(keys, PageRequest(3, descending=True)).items == [9, 8, 7]


def test_first_page_has_nothing_before_and_last_page_nothing_after() -> None:
    keys = list(range(5))
    first = page_of(keys, PageRequest(3, descending=False))
    last = page_of(keys, PageRequest(3, descending=False, after=2))
    assert (first.has_before, first.has_after) == (False, True)
    assert (last.items, last.has_before, last.has_after) == ([3, 4], True, False)


def test_before_returns_the_items_just_preceding_in_the_same_order() -> None:
    keys = list(range(10))
    assert page_of(keys, PageRequest(3, descending=False, before=6)).items == [3, 4, 5]
    assert page_of(keys, PageRequest(3, descending=True, before=6)).items == [9, 8, 7]
    assert page_of(keys, PageRequest(3, descending=True, before=2)).items == [5, 4, 3]


def test_a_cursor_whose_item_is_gone_still_positions_the_page() -> None:
    keys = [0, 1, 2, 4, 5]  # 3 was deleted after its cursor was handed out
    assert page_of(keys, PageRequest(2, descending=False, after=3)).items == [4, 5]


def test_an_empty_sequence_is_one_empty_page() -> None:
    page = page_of([], PageRequest(5, descending=True))
    assert (page.items, page.has_before, page.has_after, page.total) == ([], False, False, 0)


@given(
    keys=st.lists(st.integers(0, 200), unique=True).map(sorted),
    limit=st.integers(1, 7),
    descending=st.booleans(),
    keep=st.none() | st.frozensets(st.integers(0, 200)),
)
def test_forward_then_backward_visits_every_match_once_in_order(
    keys: list[int], limit: int, descending: bool, keep: frozenset[int] | None
) -> None:
    expected = [k for k in sorted(keys, reverse=descending) if keep is None or k in keep]
    pages = walk_forward(keys, limit, descending, keep)
    assert [k for p in pages for k in p.items] == expected
    assert all(p.total == len(expected) for p in pages)
    backward = [pages[-1]]
    while backward[-1].has_before:
        before = backward[-1].items[0]
        backward.append(page_of(keys, PageRequest(limit, descending, before=before), keep))
    assert [k for p in reversed(backward) for k in p.items] == expected


@given(st.lists(st.text(min_size=1).filter(lambda t: "," not in t), min_size=1, max_size=3))
def test_cursors_round_trip(parts: list[str]) -> None:
    assert decode_cursor(encode_cursor(*parts), len(parts)) == parts


@pytest.mark.parametrize("text", ["!!!", "====", encode_cursor("a", "b")])
def test_foreign_cursors_are_refused(text: str) -> None:
    with pytest.raises(InvalidCursorError):
        decode_cursor(text, 1)
