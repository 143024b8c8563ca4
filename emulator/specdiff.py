"""Compare the project's OpenAPI document with Sequence's, operation by operation.

Pure: both documents arrive as already-parsed dicts; standard library only. What is compared
is what a client relies on: parameters, request and response schemas (type, nullable, enum,
required, properties, items, additionalProperties, allOf/oneOf/anyOf), with local $refs
resolved. Prose and tightening keywords (minimum, maxLength, pattern, format...) are ignored.

Locations name what differs: ``header.Authorization``, ``query.limit``, ``path.id``,
``body.total``, ``response.404``, ``response.200.body.items[].seatType``. What the project
adds on purpose is listed once, in PROJECT_ADDITIONS (see BEHAVIOUR.md section 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from emulator.specdocument import Side, operations_of

__all__ = [
    "ADDED",
    "PROJECT_ADDITIONS",
    "REMOVED",
    "REQUIRED_ADDED",
    "REQUIRED_REMOVED",
    "Addition",
    "Comparison",
    "Difference",
    "compare",
    "compare_with_suppressed",
]

Node = Mapping[str, Any]

ADDED = "in the project, not in Sequence's document"
REMOVED = "in Sequence's document, not in the project"
REQUIRED_ADDED = "required in the project, optional in Sequence's document"
REQUIRED_REMOVED = "required in Sequence's document, optional in the project"
JSON = "application/json"
COMBINERS = ("allOf", "oneOf", "anyOf")


@dataclass(frozen=True)
class Difference:
    """One way the project's document departs from Sequence's."""

    operation: str
    location: str
    message: str

    def __str__(self) -> str:
        """Render as ``operationId location: message``."""
        return f"{self.operation} {self.location}: {self.message}"


@dataclass(frozen=True)
class Addition:
    """Something the project's document has on purpose and Sequence's leaves out, or (with a
    `message` of its own) a deliberate departure from what Sequence's says."""

    operation: str  # fnmatch pattern on the operationId ('*' for every operation)
    location: str  # fnmatch pattern on Difference.location
    reason: str
    message: str = ADDED  # the Difference.message accounted for, exactly

    def allows(self, difference: Difference) -> bool:
        """Whether this entry accounts for the difference."""
        return (
            difference.message == self.message
            and fnmatchcase(difference.operation, self.operation)
            and fnmatchcase(difference.location, self.location)
        )


_FILTERED_METRICS = "*UsageMetrics*"
_FILTERS_AS_LISTS = (
    "propertyFilters maps a property to a list of values, as Sequence's own example sends it;"
    " its schema says each value is an object"
)
_OBJECT_TO_ARRAY = "type is 'array' in the project, 'object' in Sequence's document"


PROJECT_ADDITIONS: tuple[Addition, ...] = (
    Addition("*", "response.400.body", "error envelope (Error) for 400; Sequence's is empty"),
    Addition("*", "response.401.body", "error envelope (Error) for 401; Sequence's is empty"),
    Addition("*", "response.500.body", "error envelope (Error) for 500; Sequence's is empty"),
    Addition("*ById", "response.404", "404 with the Error envelope for an unknown id"),
    Addition("*ById", "response.404.body", "Error envelope where Sequence has an empty 404"),
    Addition("*ByIdAliases", "response.404.body", "Error envelope where Sequence has an empty 404"),
    Addition("*ByAlias", "response.404", "404 with the Error envelope for an unknown alias"),
    Addition("*ByCustomerContacts", "response.404", "404 in the Error envelope, unknown customer"),
    Addition("*ByIdArchive", "response.404", "404 with the Error envelope for an unknown id"),
    Addition("post*", "response.413", "request bodies over 1 MiB are refused (Error envelope)"),
    Addition("put*", "response.413", "request bodies over 1 MiB are refused (Error envelope)"),
    Addition("*", "response.429", "rate limiting (injected faults), with the Error envelope"),
    Addition("*Calculate", "response.404", "404 with the Error envelope for an unknown metric"),
    Addition("getUsageEvents", "query.customerAlias[]", "items, which OpenAPI requires"),
    Addition(_FILTERED_METRICS, "*propertyFilters{}", _FILTERS_AS_LISTS, _OBJECT_TO_ARRAY),
    Addition(_FILTERED_METRICS, "*propertyFilters{}[]", _FILTERS_AS_LISTS),
)


@dataclass(frozen=True)
class Comparison:
    """Differences reported, and those an entry of the additions accounted for."""

    reported: tuple[Difference, ...] = ()
    suppressed: tuple[tuple[Difference, Addition], ...] = ()


def compare(
    project: Node,
    reference: Node,
    operations: Iterable[tuple[str, str]] | None = None,
) -> list[Difference]:
    """Differences between the documents that PROJECT_ADDITIONS does not account for."""
    return list(compare_with_suppressed(project, reference, operations).reported)


def compare_with_suppressed(
    project: Node,
    reference: Node,
    operations: Iterable[tuple[str, str]] | None = None,
    additions: Iterable[Addition] = PROJECT_ADDITIONS,
) -> Comparison:
    """Every difference, split into reported and suppressed by an addition."""
    allowed = tuple(additions)
    reported: list[Difference] = []
    suppressed: list[tuple[Difference, Addition]] = []
    for difference in _all_differences(project, reference, operations):
        addition = next((a for a in allowed if a.allows(difference)), None)
        if addition is None:
            reported.append(difference)
        else:
            suppressed.append((difference, addition))
    return Comparison(tuple(reported), tuple(suppressed))


def _all_differences(
    project: Node, reference: Node, operations: Iterable[tuple[str, str]] | None
) -> Iterator[Difference]:
    """Every difference, addition or not, over the chosen operations."""
    explicit = operations is not None
    chosen = operations_of(project) if operations is None else list(operations)
    mine, theirs = Side(project), Side(reference)
    for method, path in chosen:
        yield from _compare_operation(mine, theirs, method.lower(), path, explicit)


def _compare_operation(
    mine: Side, theirs: Side, method: str, path: str, explicit: bool
) -> Iterator[Difference]:
    """Differences of one operation, or its absence from one document."""
    ours, sequence = mine.operation(method, path), theirs.operation(method, path)
    name = _operation_name(ours, sequence, method, path)
    if ours is None or sequence is None:
        yield from _missing_operation(name, ours, sequence, explicit)
        return
    found = _OperationDiff(mine, theirs, name)
    yield from found.operation_id(ours, sequence)
    yield from found.parameters(
        mine.parameters(method, path, ours), theirs.parameters(method, path, sequence)
    )
    yield from found.request_body(ours.get("requestBody"), sequence.get("requestBody"))
    yield from found.responses(ours.get("responses", {}), sequence.get("responses", {}))


def _operation_name(ours: Node | None, sequence: Node | None, method: str, path: str) -> str:
    """Sequence's operationId (additions key on it), else the project's, else 'METHOD path'."""
    for operation in (sequence, ours):
        if operation is not None and operation.get("operationId"):
            return str(operation["operationId"])
    return f"{method.upper()} {path}"


def _missing_operation(
    name: str, ours: Node | None, sequence: Node | None, explicit: bool
) -> Iterator[Difference]:
    """Report an operation that one document (or both) lacks."""
    if ours is not None:
        yield Difference(name, "operation", ADDED)
    elif sequence is not None:
        yield Difference(name, "operation", REMOVED)
    elif explicit:
        yield Difference(name, "operation", "in neither document")


# --- One operation ------------------------------------------------------------------------


class _OperationDiff:
    """Compares the parts of one operation present in both documents."""

    def __init__(self, mine: Side, theirs: Side, name: str) -> None:
        """Remember both documents and the operation's name for the report."""
        self.mine, self.theirs, self.name = mine, theirs, name

    def difference(self, location: str, message: str) -> Difference:
        """A Difference for this operation."""
        return Difference(self.name, location, message)

    def values(self, location: str, what: str, ours: Any, sequence: Any) -> Iterator[Difference]:
        """Report a keyword whose values differ."""
        if ours != sequence:
            shown = f"{_show(ours)} in the project, {_show(sequence)} in Sequence's document"
            yield self.difference(location, f"{what} is {shown}")

    def presence(self, location: str, ours: Any, sequence: Any) -> Iterator[Difference]:
        """Report something present in one document only."""
        if ours is not None and sequence is None:
            yield self.difference(location, ADDED)
        elif ours is None and sequence is not None:
            yield self.difference(location, REMOVED)

    def operation_id(self, ours: Node, sequence: Node) -> Iterator[Difference]:
        """Compare operationIds."""
        yield from self.values(
            "operationId", "operationId", ours.get("operationId"), sequence.get("operationId")
        )

    def parameters(
        self, ours: dict[tuple[str, str], Node], sequence: dict[tuple[str, str], Node]
    ) -> Iterator[Difference]:
        """Compare parameters by (in, name): presence, required, schema."""
        for key in _union(ours, sequence):
            mine, theirs = ours.get(key), sequence.get(key)
            location = f"{key[0]}.{(mine or theirs or {}).get('name', key[1])}"
            if mine is None or theirs is None:
                yield from self.presence(location, mine, theirs)
                continue
            yield from self.values(
                location, "required", _flag(mine, "required"), _flag(theirs, "required")
            )
            yield from self._schema(location, mine.get("schema"), theirs.get("schema"))

    def request_body(self, ours: Any, sequence: Any) -> Iterator[Difference]:
        """Compare request bodies: presence, required, content."""
        mine, theirs = self.mine.resolve(ours), self.theirs.resolve(sequence)
        if mine is None or theirs is None:
            yield from self.presence("body", mine, theirs)
            return
        yield from self.values(
            "body", "required", _flag(mine, "required"), _flag(theirs, "required")
        )
        yield from self._content("body", mine.get("content") or {}, theirs.get("content") or {})

    def responses(self, ours: Node, sequence: Node) -> Iterator[Difference]:
        """Compare responses by status: presence and content."""
        mine = {str(status): response for status, response in ours.items()}
        theirs = {str(status): response for status, response in sequence.items()}
        for status in _union(mine, theirs):
            location = f"response.{status}"
            if status not in mine or status not in theirs:
                yield from self.presence(location, mine.get(status), theirs.get(status))
                continue
            ours_resolved = self.mine.resolve(mine[status])
            theirs_resolved = self.theirs.resolve(theirs[status])
            yield from self._content(
                f"{location}.body",
                ours_resolved.get("content") or {},
                theirs_resolved.get("content") or {},
            )

    def _content(self, body: str, ours: Node, sequence: Node) -> Iterator[Difference]:
        """Compare media types: at 'body' for JSON, at 'body(<media type>)' for any other."""
        for media in _union(ours, sequence):
            location = body if media == JSON else f"{body}({media})"
            if media not in ours or media not in sequence:
                yield from self.presence(location, ours.get(media), sequence.get(media))
                continue
            yield from self._schema(
                location, ours[media].get("schema"), sequence[media].get("schema")
            )

    def _schema(self, location: str, ours: Any, sequence: Any) -> Iterator[Difference]:
        """Compare two schemas, $refs resolved, recursively."""
        yield from _SchemaDiff(self, set()).compare(location, ours, sequence)


# --- Schemas ------------------------------------------------------------------------------


class _SchemaDiff:
    """Recursive schema comparison, guarded against $ref cycles."""

    def __init__(self, operation: _OperationDiff, active: set[tuple[int, int]]) -> None:
        """Share the operation's reporting; 'active' holds the pairs being compared."""
        self.operation, self.active = operation, active

    def compare(self, location: str, ours: Any, sequence: Any) -> Iterator[Difference]:
        """Differences between two (possibly $ref) schemas at a location."""
        mine = self.operation.mine.resolve(ours)
        theirs = self.operation.theirs.resolve(sequence)
        if mine is None or theirs is None:
            yield from self.operation.presence(location, mine, theirs)
            return
        pair = (id(mine), id(theirs))
        if pair in self.active:
            return  # this pair is already being compared further up: a recursive schema
        self.active.add(pair)
        yield from self._keywords(location, mine, theirs)
        self.active.discard(pair)

    def _keywords(self, location: str, mine: Node, theirs: Node) -> Iterator[Difference]:
        """Every keyword that matters to a client."""
        report = self.operation.values
        yield from report(location, "type", mine.get("type"), theirs.get("type"))
        yield from report(location, "nullable", _flag(mine, "nullable"), _flag(theirs, "nullable"))
        yield from report(location, "enum", _as_set(mine.get("enum")), _as_set(theirs.get("enum")))
        yield from self._properties(location, mine, theirs)
        yield from self.compare(f"{location}[]", mine.get("items"), theirs.get("items"))
        yield from self._additional(location, mine, theirs)
        for combiner in COMBINERS:
            yield from self._combined(location, combiner, mine.get(combiner), theirs.get(combiner))

    def _properties(self, location: str, mine: Node, theirs: Node) -> Iterator[Difference]:
        """Property names, required-ness, and each property's schema."""
        ours, sequence = mine.get("properties") or {}, theirs.get("properties") or {}
        required_ours = set(mine.get("required") or [])
        required_theirs = set(theirs.get("required") or [])
        for name in _union(ours, sequence, required_ours, required_theirs):
            here = f"{location}.{name}"
            yield from _required(
                self.operation, here, name in required_ours, name in required_theirs
            )
            if name in ours or name in sequence:
                yield from self.compare(here, ours.get(name), sequence.get(name))

    def _additional(self, location: str, mine: Node, theirs: Node) -> Iterator[Difference]:
        """additionalProperties: true (the default), false, or a schema."""
        ours, sequence = mine.get("additionalProperties"), theirs.get("additionalProperties")
        if isinstance(ours, Mapping) and isinstance(sequence, Mapping):
            yield from self.compare(f"{location}{{}}", ours, sequence)
            return
        yield from self.operation.values(
            location, "additionalProperties", _additional_shape(ours), _additional_shape(sequence)
        )

    def _combined(
        self, location: str, combiner: str, ours: Any, sequence: Any
    ) -> Iterator[Difference]:
        """allOf/oneOf/anyOf: same number of subschemas, compared in order."""
        mine, theirs = list(ours or []), list(sequence or [])
        yield from self.operation.values(location, f"{combiner} length", len(mine), len(theirs))
        for index, (one, other) in enumerate(zip(mine, theirs, strict=False)):
            yield from self.compare(f"{location}.{combiner}[{index}]", one, other)


def _required(
    operation: _OperationDiff, location: str, ours: bool, sequence: bool
) -> Iterator[Difference]:
    """Report a property required in one document only."""
    if ours and not sequence:
        yield operation.difference(location, REQUIRED_ADDED)
    elif sequence and not ours:
        yield operation.difference(location, REQUIRED_REMOVED)


# --- Small helpers ------------------------------------------------------------------------


def _union(*keyed: Iterable[Any]) -> list[Any]:
    """Keys of several collections, first-seen order, without repeats."""
    seen: dict[Any, None] = {}
    for keys in keyed:
        seen.update(dict.fromkeys(keys))
    return list(seen)


def _flag(node: Node, keyword: str) -> bool:
    """A boolean keyword, false when absent."""
    return bool(node.get(keyword, False))


def _as_set(values: Any) -> frozenset[Any] | None:
    """An enum as a set (order does not matter), None when absent."""
    return None if values is None else frozenset(values)


def _additional_shape(value: Any) -> str:
    """additionalProperties as a word: allowed, forbidden or a schema."""
    if isinstance(value, Mapping):
        return "a schema"
    return "forbidden" if value is False else "allowed"


def _show(value: Any) -> str:
    """A value as it reads in a message."""
    if value is None:
        return "not set"
    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(repr(item) for item in value)) + "]"
    return repr(value)
