"""The base of every schema that reads a request."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema


class LenientSchema(Schema):
    """Unknown fields are ignored, as a tolerant server would (BEHAVIOUR.md §4)."""

    class Meta:
        unknown = EXCLUDE
