"""Marshmallow schemas: Sequence's JSON shapes to and from domain objects."""
