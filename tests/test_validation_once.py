"""The OpenAPI document states request shape once: product schemas map, they do not re-check."""

from __future__ import annotations

import inspect

from marshmallow import Schema, fields, validate

from emulator.schemas import contacts, customers, pages, seat_events, seat_metrics

PRODUCT_SCHEMA_MODULES = (contacts, customers, pages, seat_events, seat_metrics)
REPEATING = (validate.OneOf, validate.Range, validate.Length)
# Where Sequence's document leaves the bound out, the schema is the one to state it.
NOT_IN_THE_DOCUMENT = {("SeatEventListQuerySchema", "sortOrder")}


def checks_in(schema: type[Schema]) -> set[tuple[str, str]]:
    """(schema, field) of every enum, range or length rule a schema's fields carry."""
    found = set()
    for name, field in schema._declared_fields.items():
        if any(isinstance(rule, REPEATING) for rule in field.validators):
            found.add((schema.__name__, field.data_key or name))
        if isinstance(field, fields.Integer) and field.strict:
            found.add((schema.__name__, field.data_key or name))
    return found


def test_product_schemas_repeat_no_type_enum_or_range_of_the_document() -> None:
    schemas = {
        member
        for module in PRODUCT_SCHEMA_MODULES
        for _, member in inspect.getmembers(module, inspect.isclass)
        if issubclass(member, Schema) and member.__module__ == module.__name__
    }
    assert len(schemas) > 5
    assert set().union(*(checks_in(schema) for schema in schemas)) == NOT_IN_THE_DOCUMENT
