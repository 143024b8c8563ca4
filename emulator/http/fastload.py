"""A compiled loader in front of marshmallow, built from the schemas that load request input.

`Schema.load` spends most of its time on what a flat request schema never uses (error
stores, partial loading, hook lookups): about 13 µs of every POST /seat-events, the largest
single step of its own. This module compiles, once per schema, the steps a load takes when
every field loads: each field's own `deserialize` (or, for a plain String or Raw field, the
value as sent, which is what `deserialize` returns for it), then the schema's post_load
hooks. It only ever gives marshmallow's result or ASK_MARSHMALLOW: a field that fails, a hook
that raises ValidationError, or a schema with anything else (other hooks, `partial`, nesting
by dotted names, unknown fields kept or refused, a load step of its own) goes to marshmallow,
which stays the authority and writes the errors. A property test holds the two to the same
results. It reads marshmallow 4's own table of a schema's hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing

CompiledLoad = Callable[[Any], Any]  # the loaded value, or ASK_MARSHMALLOW

ASK_MARSHMALLOW = object()
# What a field loads as it was sent: a str, anything but null, or nothing (its deserialize).
_TEXT, _ANY, _FIELD = "text", "any", "field"
_Step = tuple[str, str, str, "fields.Field[Any]"]  # data key, attribute, loaded as sent, field


def compile_load(schema: Schema) -> CompiledLoad | None:
    """The schema's load for a JSON object whose fields all load; None where the schema
    uses something this compiler leaves to marshmallow."""
    hooks = _post_load_hooks(type(schema))
    if hooks is None or schema.many or schema.partial is not None or schema.unknown != EXCLUDE:
        return None
    if getattr(schema, "dict_class", dict) is not dict or _loads_its_own_way(type(schema)):
        return None
    fields_by_name = schema.load_fields.items()
    if any("." in (field.attribute or name) for name, field in fields_by_name):
        return None  # marshmallow would nest the value
    steps = [_step(name, field) for name, field in fields_by_name]
    return _loader(steps, [getattr(schema, hook) for hook in hooks], schema)


def _loader(steps: list[_Step], hooks: list[Callable[..., Any]], schema: Schema) -> CompiledLoad:
    options = {"many": False, "partial": None, "unknown": schema.unknown}

    def load(data: Any) -> Any:
        if type(data) is not dict:
            return ASK_MARSHMALLOW
        result: dict[str, Any] = {}
        try:
            for key, attribute, as_sent, field in steps:
                value = data.get(key, missing)
                if as_sent is _TEXT:
                    quick = type(value) is str
                else:
                    quick = as_sent is _ANY and value is not missing and value is not None
                if not quick:
                    value = field.deserialize(value, key, data)
                if value is not missing:
                    result[attribute] = value
            loaded: Any = result
            for hook in hooks:
                loaded = hook(loaded, **options)
        except ValidationError:
            return ASK_MARSHMALLOW
        return loaded

    return load


def _step(name: str, field: fields.Field[Any]) -> _Step:
    key = field.data_key if field.data_key is not None else name
    extras = field.validators or field.pre_load or field.post_load
    as_sent = _FIELD  # every value goes through the field's deserialize
    if not extras and type(field) is fields.String:
        as_sent = _TEXT  # String returns a str as it is
    elif not extras and type(field) is fields.Raw:
        as_sent = _ANY
    return key, field.attribute or name, as_sent, field


def _post_load_hooks(schema_class: type[Schema]) -> list[str] | None:
    """The names of the schema's post_load hooks, in the order marshmallow runs them; None
    when it has a hook of another kind, for collections, or wanting the original data."""
    hooks = schema_class.resolve_hooks()  # marshmallow's own look-up, parents and all
    if set(hooks) - {"post_load"}:
        return None
    uses = hooks.get("post_load", [])
    if any(many or options.get("pass_original") for _, many, options in uses):
        return None
    return [name for name, _, _ in uses]


# Schema's steps from load() to the hooks: a schema overriding any of them loads its own way.
_LOAD_STEPS = ("load", "_do_load", "_deserialize", "_invoke_load_processors", "_invoke_processors")


def _loads_its_own_way(schema_class: type[Schema]) -> bool:
    return any(getattr(schema_class, step) is not getattr(Schema, step) for step in _LOAD_STEPS)
