"""Fault and latency rules, added and removed at run time."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from emulator.http.context import body, services
from emulator.http.errors import not_found
from emulator.schemas.control import dump_fault_rule, with_id


def list_faults() -> ResponseReturnValue:
    """Every rule, with its counts."""
    return {"items": [dump_fault_rule(rule) for rule in services().faults.rules()]}


def add_fault() -> ResponseReturnValue:
    """Start applying a rule."""
    emulator = services()
    rule = emulator.faults.add(with_id(body(), emulator.new_id()))
    return dump_fault_rule(rule), 201


def delete_fault(rule_id: str) -> ResponseReturnValue:
    """Stop applying one rule."""
    rule = services().faults.remove(rule_id)
    if rule is None:
        raise not_found(f"No fault rule with id {rule_id!r}")
    return dump_fault_rule(rule)


def clear_faults() -> ResponseReturnValue:
    """Stop applying every rule."""
    faults = services().faults
    cleared = len(faults.rules())
    faults.clear()
    return {"cleared": cleared}
