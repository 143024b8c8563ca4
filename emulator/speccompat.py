"""Whether an earlier version of Sequence's document has an operation with shapes compatible
with the project's (BEHAVIOUR.md section 2): every request it accepts, the project accepts;
every response the project can give, it allows.

Pure: documents arrive as parsed dicts; standard library only. Schemas are compared after
resolving local $refs: type, nullable, enum, format and bounds, required, properties,
additionalProperties, items. Conservative: a keyword it does not know, or allOf/oneOf/anyOf,
counts as incompatible. Not compared: the Sequence-Version header (the version rule judges it),
response headers, error bodies an earlier document leaves empty (the project answers every
error with its envelope, BEHAVIOUR.md section 3, under every version), and a bound or format
that only the project's request schema sets: Sequence's 2024-07-30 document lacks them too, so
they are the project's reading of Sequence's prose, the same under every version.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from emulator.specdocument import Side, served_operations

__all__ = ["incompatibilities", "served_by"]

Node = Mapping[str, Any]
PROJECT = "the project"
VERSION_HEADER = ("header", "sequence-version")

_ANNOTATIONS = frozenset(
    {"description", "example", "examples", "title", "deprecated", "externalDocs", "xml", "default"}
)
_STRUCTURE = frozenset(
    {"type", "nullable", "enum", "required", "properties", "additionalProperties", "items"}
)
_AT_LEAST = frozenset({"minimum", "minLength", "minItems", "minProperties"})
_AT_MOST = frozenset({"maximum", "maxLength", "maxItems", "maxProperties"})
_SAME = frozenset({"format", "pattern", "multipleOf", "exclusiveMinimum", "exclusiveMaximum"})
_BOUNDS = _AT_LEAST | _AT_MOST | _SAME | {"uniqueItems"}
_FLAGS = ("readOnly", "writeOnly")
_PARAMETER_STYLE = ("style", "explode", "allowEmptyValue", "allowReserved", "content")
# Where the project departs from Sequence's schemas on purpose (listed in specdiff's
# PROJECT_ADDITIONS): the same under every version, so no version's table turns on them.
DELIBERATE = ("body.propertyFilters{}", "response.*.body.propertyFilters{}")


def served_by(project: Node, earlier: Node, version: str) -> dict[str, list[str]]:
    """Each operation of the project ('METHOD /path'): why `version` cannot serve it, if so."""
    return {
        f"{method} {path}": incompatibilities(project, earlier, version, method, path)
        for method, path in served_operations(project)
    }


def incompatibilities(
    project: Node, earlier: Node, version: str, method: str, path: str
) -> list[str]:
    """Why the earlier document's (method, path) is not the project's, compatibly."""
    ours, theirs = Side(project), Side(earlier)
    mine = ours.operation(method.lower(), path)
    older = theirs.operation(method.lower(), path)
    if mine is None:
        return [f"not in {PROJECT}'s document"]
    if older is None:
        return [f"not in {version}'s document"]
    # The project accepts what the earlier document accepts; that allows what the project answers.
    requests = _Covering(ours, theirs, PROJECT, version, wide_bounds_own=True)
    responses = _Covering(theirs, ours, version, PROJECT)
    reasons = [
        *requests.parameters(
            ours.parameters(method.lower(), path, mine),
            theirs.parameters(method.lower(), path, older),
        ),
        *requests.body(mine.get("requestBody"), older.get("requestBody")),
        *responses.responses(older.get("responses", {}), mine.get("responses", {})),
    ]
    return [reason for reason in reasons if not _deliberate(reason)]


def _deliberate(reason: str) -> bool:
    """Whether a reason is about a place where the project departs on purpose."""
    where = reason.partition(":")[0]
    return any(fnmatchcase(where, pattern) for pattern in DELIBERATE)


class _Covering:
    """Whether the `wide` document accepts every instance the `narrow` one accepts."""

    def __init__(
        self,
        wide: Side,
        narrow: Side,
        wide_name: str,
        narrow_name: str,
        *,
        wide_bounds_own: bool = False,
    ) -> None:
        """Both documents as reasons name them; `wide_bounds_own`: see the module."""
        self.wide, self.narrow = wide, narrow
        self.wide_name, self.narrow_name = wide_name, narrow_name
        self.wide_bounds_own = wide_bounds_own
        self.active: set[tuple[int, int]] = set()

    def differ(self, where: str, what: str, wide: Any, narrow: Any) -> str:
        """A reason: `what` differs between the documents."""
        shown = f"{_show(narrow)} in {self.narrow_name}, {_show(wide)} in {self.wide_name}"
        return f"{where}: {what} {shown}"

    def parameters(
        self, wide: dict[tuple[str, str], Node], narrow: dict[tuple[str, str], Node]
    ) -> Iterator[str]:
        """Each parameter: one the wide side requires, the narrow must; none only narrow's."""
        for key in [*wide, *(key for key in narrow if key not in wide)]:
            if key == VERSION_HEADER:
                continue
            mine, theirs = wide.get(key), narrow.get(key)
            where = f"{key[0]}.{(mine or theirs or {}).get('name', key[1])}"
            if mine is None:
                yield f"{where}: only in {self.narrow_name}"
                continue
            required = bool(mine.get("required"))
            if theirs is None:
                if required:
                    yield f"{where}: only in {self.wide_name}, where it is required"
                continue
            if required and not theirs.get("required"):
                yield self.differ(where, "required is", True, bool(theirs.get("required")))
            for keyword in _PARAMETER_STYLE:
                if mine.get(keyword) != theirs.get(keyword):
                    yield self.differ(where, keyword, mine.get(keyword), theirs.get(keyword))
            yield from self.schema(where, mine.get("schema"), theirs.get("schema"))

    def body(self, wide: Any, narrow: Any) -> Iterator[str]:
        """The request body: the narrow side's media types, each accepted by the wide side."""
        mine, theirs = self.wide.resolve(wide), self.narrow.resolve(narrow)
        if theirs is None:
            if mine is not None and mine.get("required"):
                yield f"body: required in {self.wide_name}, absent from {self.narrow_name}"
            return
        if mine is None:
            yield f"body: only in {self.narrow_name}"
            return
        if mine.get("required") and not theirs.get("required"):
            yield self.differ("body", "required is", True, bool(theirs.get("required")))
        yield from self.content("body", mine.get("content") or {}, theirs.get("content") or {})

    def responses(self, wide: Node, narrow: Node) -> Iterator[str]:
        """Each response the narrow side gives, allowed by the wide side's at its status."""
        documented = {str(status): response for status, response in wide.items()}
        for raw_status, answer in narrow.items():
            status = str(raw_status)
            where = f"response.{status}"
            error = status == "default" or status[0] in "45"
            found = documented.get(status, documented.get("default"))
            if found is None:
                if not error:
                    yield f"{where}: not in {self.wide_name}"
                continue
            mine = self.wide.resolve(found).get("content") or {}
            theirs = self.narrow.resolve(answer).get("content") or {}
            if error and not mine:
                continue  # the project's error envelope, the same under every version
            if mine and not theirs:
                yield f"{where}: no body in {self.narrow_name}, a body in {self.wide_name}"
            yield from self.content(f"{where}.body", mine, theirs)

    def content(self, where: str, wide: Node, narrow: Node) -> Iterator[str]:
        """Each media type of the narrow side, with a schema the wide side's covers."""
        for media, entry in narrow.items():
            if media not in wide:
                yield f"{where}: {media} only in {self.narrow_name}"
                continue
            yield from self.schema(where, wide[media].get("schema"), entry.get("schema"))

    def schema(self, where: str, wide: Any, narrow: Any) -> Iterator[str]:
        """Whether the wide schema accepts everything the narrow one does ($refs resolved)."""
        mine, theirs = self.wide.resolve(wide), self.narrow.resolve(narrow)
        if mine is None or _accepts_anything(mine):
            return
        if theirs is None:
            yield f"{where}: unconstrained in {self.narrow_name}, not in {self.wide_name}"
            return
        pair = (id(mine), id(theirs))
        if pair in self.active:
            return  # already being compared further up: a recursive schema
        self.active.add(pair)
        yield from self._keywords(where, mine, theirs)
        self.active.discard(pair)

    def _keywords(self, where: str, mine: Node, theirs: Node) -> Iterator[str]:
        unknown = sorted({key for key in (*mine, *theirs) if not _known(key)})
        if unknown:
            yield f"{where}: {', '.join(unknown)} not compared"
            return
        kind, other = mine.get("type"), theirs.get("type")
        if kind is not None and kind != other and (kind, other) != ("number", "integer"):
            yield self.differ(where, "type", kind, other)
        if theirs.get("nullable") and not mine.get("nullable"):
            yield f"{where}: nullable in {self.narrow_name}, not in {self.wide_name}"
        yield from self._enum(where, mine.get("enum"), theirs.get("enum"))
        for keyword in sorted(_BOUNDS & set(mine)):
            if keyword not in theirs and self.wide_bounds_own:
                continue
            if not _within(keyword, mine[keyword], theirs.get(keyword)):
                yield self.differ(where, keyword, mine[keyword], theirs.get(keyword))
        for flag in _FLAGS:
            if bool(mine.get(flag)) != bool(theirs.get(flag)):
                yield self.differ(where, flag, bool(mine.get(flag)), bool(theirs.get(flag)))
        for name in mine.get("required") or []:
            if name not in (theirs.get("required") or []):
                yield f"{where}.{name}: required in {self.wide_name}, not in {self.narrow_name}"
        yield from self._properties(where, mine, theirs)
        if "items" in mine:
            yield from self.schema(f"{where}[]", mine["items"], theirs.get("items"))

    def _enum(self, where: str, mine: Any, theirs: Any) -> Iterator[str]:
        if mine is None:
            return
        if theirs is None:
            yield f"{where}: unconstrained in {self.narrow_name}, an enum in {self.wide_name}"
            return
        extra = [value for value in theirs if value is not None and value not in mine]
        if extra:
            yield f"{where}: {extra!r} only in {self.narrow_name}'s enum"

    def _properties(self, where: str, mine: Node, theirs: Node) -> Iterator[str]:
        """Named properties, then those neither names (additionalProperties)."""
        wide, narrow = mine.get("properties") or {}, theirs.get("properties") or {}
        wide_extra = mine.get("additionalProperties", True)
        narrow_extra = theirs.get("additionalProperties", True)
        for name, schema in wide.items():
            if name in narrow:
                yield from self.schema(f"{where}.{name}", schema, narrow[name])
            elif narrow_extra is not False:  # the narrow side takes it as an extra property
                yield from self.schema(f"{where}.{name}", schema, _schema_or_none(narrow_extra))
        for name, schema in narrow.items():
            if name not in wide:
                yield from self._extra(f"{where}.{name}", wide_extra, schema)
        if narrow_extra is not False:
            yield from self._extra(f"{where}{{}}", wide_extra, _schema_or_none(narrow_extra))

    def _extra(self, where: str, wide_extra: Any, narrow: Any) -> Iterator[str]:
        """A property the wide side does not name: allowed by its additionalProperties?"""
        if wide_extra is False:
            yield f"{where}: accepted by {self.narrow_name}, refused by {self.wide_name}"
        elif isinstance(wide_extra, Mapping):
            yield from self.schema(where, wide_extra, narrow)


def _known(keyword: str) -> bool:
    return (
        keyword in _STRUCTURE
        or keyword in _BOUNDS
        or keyword in _FLAGS
        or keyword in _ANNOTATIONS
        or keyword.startswith("x-")
    )


def _accepts_anything(schema: Node) -> bool:
    """A schema with nothing but annotations (and nullable) in it."""
    return all(key in _ANNOTATIONS or key == "nullable" or key.startswith("x-") for key in schema)


def _schema_or_none(additional: Any) -> Any:
    """additionalProperties as a schema; None when it is `true` (any value)."""
    return additional if isinstance(additional, Mapping) else None


def _within(keyword: str, wide: Any, narrow: Any) -> bool:
    """Whether the narrow side's bound is at least as tight as the wide side's."""
    if narrow is None:
        return keyword == "uniqueItems" and not wide
    if keyword in _AT_LEAST:
        return bool(narrow >= wide)
    if keyword in _AT_MOST:
        return bool(narrow <= wide)
    return bool(narrow == wide)


def _show(value: Any) -> str:
    return "not set" if value is None else repr(value)
