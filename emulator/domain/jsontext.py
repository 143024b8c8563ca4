"""Strict JSON in: RFC 8259's numbers only, and no deeper than a limit (BEHAVIOUR.md §2)."""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 64  # arrays and objects nested in one another, the outermost counting as one


def strict_loads(data: bytes | str) -> Any:
    """The JSON value in `data`; ValueError, with a message fit for a client, otherwise."""
    if not isinstance(data, str):
        # UTF-8, or UTF-16/32 by BOM, as json.loads reads bytes; but strictly: a surrogate
        # encoded as bytes (ED A0 80) is not UTF-8, and no database could store it as text.
        data = data.decode(json.detect_encoding(data))
    try:
        value = _DECODER.decode(data)
    except RecursionError:  # Python's parser recurses: very deep input exhausts the stack
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    if _openings(data) > MAX_DEPTH and depth(value) > MAX_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


def _finite(text: str) -> float:
    # 1e400 is RFC 8259's syntax, but no double holds it: it would be stored and answered as
    # Infinity, which is no JSON at all.
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is a JSON number beyond the range of a double")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (RFC 8259)")


# One decoder for every body: json.loads builds a new one per call when given hooks.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite)


def _openings(data: bytes | str) -> int:
    # Depth cannot pass the number of brackets: most bodies need no walk at all.
    if isinstance(data, str):
        return data.count("[") + data.count("{")
    return data.count(b"[") + data.count(b"{")


def depth(value: Any) -> int:
    """How deeply arrays and objects nest in `value`, stopping once past MAX_DEPTH."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending and deepest <= MAX_DEPTH:
        item, level = pending.pop()
        if isinstance(item, dict):
            inner: Any = item.values()
        elif isinstance(item, list):
            inner = item
        else:
            continue
        deepest = max(deepest, level)
        pending.extend((each, level + 1) for each in inner)
    return deepest
