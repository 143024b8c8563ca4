"""The `{items, pagination}` shape of every list, and its paging parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from marshmallow import ValidationError, fields, post_load, validates_schema

from emulator.domain.pages import Page, PageRequest, decode_cursor
from emulator.schemas.base import LenientSchema
from emulator.schemas.fields import QueryInteger

T = TypeVar("T")


class PagedQuerySchema(LenientSchema):
    """`limit`, `after` and `before`; at most one cursor."""

    limit = QueryInteger(load_default=20)
    after = fields.String(load_default=None)
    before = fields.String(load_default=None)

    @validates_schema
    def one_cursor(self, data: dict[str, Any], **_: Any) -> None:
        """Refuse `after` and `before` together."""
        if data.get("after") is not None and data.get("before") is not None:
            raise ValidationError("Give either after or before, not both", field_name="before")


class IdCursorQuerySchema(PagedQuerySchema):
    """`limit`, `after` and `before` of a list in id order: a cursor holds one id."""

    def checked_id(self, value: str) -> str:
        """The id a cursor holds, or ValueError; any text by default."""
        return value

    def page_request(self, data: dict[str, Any]) -> PageRequest[str]:
        """The page request, cursors decoded to ids."""
        return PageRequest(
            limit=data["limit"],
            after=self._id(data["after"], "after"),
            before=self._id(data["before"], "before"),
        )

    def _id(self, cursor: str | None, name: str) -> str | None:
        if cursor is None:
            return None
        try:
            (found,) = decode_cursor(cursor, 1)
            return self.checked_id(found)
        except ValueError:
            raise ValidationError(f"{cursor!r} is not a cursor from this server", name) from None


class IdPagedQuerySchema(IdCursorQuerySchema):
    """A list in id order with no other parameter: loads to its page request."""

    @post_load
    def make_page(self, data: dict[str, Any], **_: Any) -> PageRequest[str]:
        """Build the page request, decoding cursors to ids."""
        return self.page_request(data)


def dump_page(
    page: Page[T], dump: Callable[[T], dict[str, Any]], cursor: Callable[[T], str]
) -> dict[str, Any]:
    """A page as Sequence lists things: items, and cursors to either side."""
    return {
        "items": [dump(item) for item in page.items],
        "pagination": {
            "after": cursor(page.items[-1]) if page.has_after and page.items else None,
            "before": cursor(page.items[0]) if page.has_before and page.items else None,
            "totalResultSize": page.total,
        },
    }
