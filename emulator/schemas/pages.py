"""The `{items, pagination}` shape of every list, and its paging parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from marshmallow import ValidationError, fields, validate, validates_schema

from emulator.domain.pages import Page
from emulator.schemas.base import LenientSchema
from emulator.schemas.fields import QueryInteger

T = TypeVar("T")


class PagedQuerySchema(LenientSchema):
    """`limit`, `after` and `before`; at most one cursor."""

    limit = QueryInteger(load_default=20, validate=validate.Range(1, 100))
    after = fields.String(load_default=None)
    before = fields.String(load_default=None)

    @validates_schema
    def one_cursor(self, data: dict[str, Any], **_: Any) -> None:
        """Refuse `after` and `before` together."""
        if data.get("after") is not None and data.get("before") is not None:
            raise ValidationError("Give either after or before, not both", field_name="before")


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
