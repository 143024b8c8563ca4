"""Pages read from the database: the same slices as domain.pages.paginate, in SQL.

Each page is one ranged, ordered query for limit + 1 rows (the extra row says whether there is
more), and one EXISTS for the other side; the cost follows the page, not the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, func, select, tuple_
from sqlalchemy.sql.expression import ColumnClause

from emulator.domain.pages import InvalidCursorError, Page, PageRequest
from emulator.store.database import Transaction
from emulator.store.statements import Row

T = TypeVar("T")


class Listing:
    """The rows of `query` (a SELECT with its WHERE), ordered by the `key` columns."""

    def __init__(self, query: Select[Any], key: Sequence[ColumnClause[Any] | Any]) -> None:
        self.query = query
        self.key = tuple(key)

    def page(
        self,
        transaction: Transaction,
        request: PageRequest[Any],
        item: Callable[[Row], T],
        total: int | None = None,
        skip: int = 0,
    ) -> Page[T]:
        """One page; `total` when the caller knows it cheaper than counting every match;
        `skip` items passed over from the cursor (or the start) in the page's direction."""
        if total is None:
            counted = select(func.count()).select_from(self.query.subquery())
            total = int(transaction.scalar(counted))
        if skip:
            request = self._skipped(transaction, request, skip)
        if request.before is not None:
            before = self._parts(request.before)
            rows = self._rows(
                transaction, before, ascending_from=request.descending, size=request.limit
            )
            has_after = self._exists(transaction, before, after=True, request=request)
            items = [item(row) for row in rows[: request.limit]][::-1]
            return Page(items, len(rows) > request.limit, has_after, total)
        after = None if request.after is None else self._parts(request.after)
        rows = self._rows(
            transaction, after, ascending_from=not request.descending, size=request.limit
        )
        has_before = after is not None and self._exists(
            transaction, after, after=False, request=request
        )
        page_items = [item(row) for row in rows[: request.limit]]
        return Page(page_items, has_before, len(rows) > request.limit, total)

    def _skipped(
        self, transaction: Transaction, request: PageRequest[Any], skip: int
    ) -> PageRequest[Any]:
        """The request with its cursor moved onto the `skip`-th item past it (or the last one
        there is): the page then starts right after the items skipped."""
        backwards = request.before is not None
        cursor = request.before if backwards else request.after
        parts = None if cursor is None else self._parts(cursor)
        ascending = request.descending if backwards else not request.descending
        rows = self._rows(transaction, parts, ascending_from=ascending, size=skip - 1, columns=True)
        if not rows:
            return request
        landed = rows[skip - 1] if len(rows) >= skip else rows[-1]
        key = tuple(landed[column.name] for column in self.key)
        moved = key[0] if len(key) == 1 else key
        if backwards:
            return PageRequest(request.limit, request.descending, before=moved)
        return PageRequest(request.limit, request.descending, after=moved)

    def _parts(self, cursor: Any) -> tuple[Any, ...]:
        parts = cursor if isinstance(cursor, tuple) else (cursor,)
        if len(parts) != len(self.key):
            raise InvalidCursorError(f"{cursor!r} is not a cursor for this sort")
        return parts

    def _beyond(self, cursor: tuple[Any, ...], *, greater: bool, inclusive: bool) -> Any:
        column = self.key[0] if len(self.key) == 1 else tuple_(*self.key)
        value = cursor[0] if len(self.key) == 1 else tuple_(*cursor)
        if greater:
            return column >= value if inclusive else column > value
        return column <= value if inclusive else column < value

    def _rows(
        self,
        transaction: Transaction,
        cursor: tuple[Any, ...] | None,
        *,
        ascending_from: bool,
        size: int,
        columns: bool = False,
    ) -> list[Row]:
        """size + 1 rows strictly past `cursor`, walking up the keys or down them; only the
        key columns when `columns`."""
        query = self.query.with_only_columns(*self.key) if columns else self.query
        if cursor is not None:
            query = query.where(self._beyond(cursor, greater=ascending_from, inclusive=False))
        order = [column.asc() if ascending_from else column.desc() for column in self.key]
        query = query.order_by(*order).limit(size + 1)
        return transaction.rows(query)

    def _exists(
        self,
        transaction: Transaction,
        cursor: tuple[Any, ...],
        *,
        after: bool,
        request: PageRequest[Any],
    ) -> bool:
        """Whether a row lies at or past the cursor on the page's after (or before) side."""
        greater = after != request.descending
        condition: ColumnElement[bool] = self._beyond(cursor, greater=greater, inclusive=True)
        return bool(transaction.scalar(select(exists(self.query.where(condition)))))
