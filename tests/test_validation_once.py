"""The OpenAPI document states request shape once: product schemas map, they do not re-check."""

from __future__ import annotations

import inspect

from marshmallow import Schema, fields, validate

from emulator.schemas import (
    contacts,
    customers,
    pages,
    seat_events,
    seat_metrics,
    usage_events,
    usage_metrics,
)

PRODUCT_SCHEMA_MODULES = (
    contacts,
    customers,
    pages,
    seat_events,
    seat_metrics,
    usage_events,
    usage_metrics,
)
REPEATING = (validate.OneOf, validate.Range, validate.Length)
# Where Sequence's document leaves the bound out, the schema is the one to state it.
# (The seat and usage event lists share the schema that states it.)
NOT_IN_THE_DOCUMENT = {("EventListQuerySchema", "sortOrder")}


def checks_in(schema: type[Schema]) -> set[tuple[str, str]]:
    """(schema, field) of every enum, range or length rule a schema's fields carry."""
    found = set()
    for name, field in schema._declared_fields.items():
        repeats = any(isinstance(rule, REPEATING) for rule in field.validators)
        if repeats or (isinstance(field, fields.Integer) and field.strict):
            found.add((owner(schema, name).__name__, field.data_key or name))
    return found


def owner(schema: type[Schema], name: str) -> type[Schema]:
    """The class that declares a field its subclasses inherit."""
    field = schema._declared_fields[name]
    bases = [c for c in schema.__mro__ if issubclass(c, Schema) and c is not Schema]
    return [c for c in bases if c._declared_fields.get(name) is field][-1]


def test_product_schemas_repeat_no_type_enum_or_range_of_the_document() -> None:
    schemas = {
        member
        for module in PRODUCT_SCHEMA_MODULES
        for _, member in inspect.getmembers(module, inspect.isclass)
        if issubclass(member, Schema) and member.__module__ == module.__name__
    }
    assert len(schemas) > 5
    assert set().union(*(checks_in(schema) for schema in schemas)) == NOT_IN_THE_DOCUMENT
