"""The compiled loader gives marshmallow's result for every input, or leaves it to marshmallow."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
)

from emulator.app import create_app
from emulator.config import Settings
from emulator.http.fastload import ASK_MARSHMALLOW, compile_load
from emulator.http.loading import Loader, loaders_of


def _route_loaders() -> dict[str, Loader]:
    app = create_app(Settings())
    found: dict[str, Loader] = {}
    for view in app.view_functions.values():
        loaders = loaders_of(view)
        for loader in (loaders.body, loaders.query):
            if loader is not None:
                found.setdefault(type(loader.schema).__name__, loader)
    return found


LOADERS = _route_loaders()
COMPILED = sorted(name for name, loader in LOADERS.items() if loader.compiled is not None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 2**32) | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=5,
)
# What request bodies and query strings carry: valid-looking text most of the time.
texts = st.sampled_from(
    [
        "",
        "x",
        "acme",
        "0",
        "1",
        "20",
        "101",
        "-5",
        "true",
        "ASC",
        "DESC",
        "a,b",
        "P1D",
        "2024-04-18",
        "2024-04-18T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "SEAT",
        "COUNT",
        "€",
    ]
)


@st.composite
def inputs(draw: st.DrawFn, schema: Schema) -> Any:
    """A JSON object with some of the schema's keys (sent, nulled, retyped) and maybe others."""
    keys = [name if f.data_key is None else f.data_key for name, f in schema.load_fields.items()]
    data: dict[str, Any] = {}
    for key in keys:
        choice = draw(st.integers(0, 9))
        if choice < 5:
            data[key] = draw(texts)
        elif choice == 5:
            data[key] = None
        elif choice < 8:
            data[key] = draw(json_values)
    if draw(st.integers(0, 4)) == 0:
        data[draw(st.text(max_size=5))] = draw(json_values)
    return data if draw(st.integers(0, 20)) else draw(json_values)


def test_the_hot_request_schemas_are_compiled() -> None:
    assert {"SeatEventDraftSchema", "UsageEventDraftSchema", "BalanceQuerySchema"} <= set(COMPILED)


@pytest.mark.parametrize("name", COMPILED)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_compiled_load_equals_marshmallow_or_asks_it(name: str, data: st.DataObject) -> None:
    loader = LOADERS[name]
    assert loader.compiled is not None
    _agrees(loader.schema, loader.compiled, data.draw(inputs(loader.schema)))


def _agrees(schema: Schema, compiled: Any, value: Any) -> None:
    """The compiled load gives marshmallow's result, to the type (True is not 1), or asks."""
    try:
        expected = schema.load(value)
    except ValidationError:
        assert compiled(value) is ASK_MARSHMALLOW
        return
    loaded = compiled(value)
    assert loaded == expected
    assert repr(loaded) == repr(expected)


class _Draft(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(max=3))
    size = fields.Raw(load_default=None)

    @post_load
    def sized(self, data: dict[str, Any], **_: Any) -> tuple[str, Any]:
        return data["name"], data["size"]


def test_a_plain_schema_loads_through_its_fields_and_post_load() -> None:
    load = compile_load(_Draft())
    assert load is not None
    assert load({"name": "abc", "other": 1}) == ("abc", None)
    assert load({"name": "abcd"}) is ASK_MARSHMALLOW  # the validator refused: marshmallow says why
    assert load({"size": 2}) is ASK_MARSHMALLOW
    assert load(["name"]) is ASK_MARSHMALLOW


class _Checked(_Draft):
    @validates("name")
    def named(self, value: str, **_: Any) -> None:
        raise ValidationError("never")


class _Prepared(_Draft):
    @pre_load
    def trimmed(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return data


class _Strict(_Draft):
    class Meta:
        unknown = "raise"


class _OwnLoad(_Draft):
    def load(self, data: Any, **options: Any) -> Any:
        return "loaded its own way"


@pytest.mark.parametrize(
    "schema",
    [_Checked(), _Prepared(), _Strict(), _Draft(many=True), _Draft(partial=False), _OwnLoad()],
    ids=["validates", "pre_load", "unknown-raise", "many", "partial", "own-load"],
)
def test_a_schema_with_other_hooks_or_options_is_left_to_marshmallow(schema: Schema) -> None:
    assert compile_load(schema) is None


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class _Upper(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).upper()


class _Parent(Schema):
    class Meta:
        unknown = EXCLUDE

    @post_load
    def b_second(self, data: dict[str, Any], **_: Any) -> Any:
        return ("second", data)

    @post_load
    def a_first(self, data: dict[str, Any], **_: Any) -> Any:
        return ("first", data)


class _Zoo(_Parent):
    """What a request schema may use, each where the compiled load could go wrong."""

    text = fields.String(load_default="none")
    shouted = _Upper(data_key="shout", load_default=None)
    trimmed = fields.String(pre_load=[_stripped], post_load=[str.title], load_default=None)
    renamed = fields.Raw(data_key="", attribute="kept_as", load_default=None)
    flag = fields.Raw(allow_none=False, load_default=False)
    count = fields.Integer(load_default=0)

    @post_load
    @staticmethod
    def c_third(data: Any, **_: Any) -> Any:
        return ("third", data)


ZOO_INPUTS = [
    {},
    {"text": "a", "shout": "b", "trimmed": "  c d ", "": 1, "flag": True, "count": "2"},
    {"text": 1},
    {"shout": None, "flag": None},
    {"flag": 1, "count": True},
    {"flag": 1.0, "count": 1.5},
    {"trimmed": 3},
    {"unknown": "x", "text": ""},
]


@pytest.mark.parametrize("value", ZOO_INPUTS)
def test_subclassed_renamed_and_hooked_fields_load_as_marshmallow_loads_them(value: Any) -> None:
    compiled = compile_load(_Zoo())
    assert compiled is not None
    _agrees(_Zoo(), compiled, value)
