"""Fault and latency rules: make the emulator fail on purpose (BEHAVIOUR.md §1, §8)."""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

_DIGITS = re.compile(r"[0-9]{1,9}")  # not str.isdigit(): it says yes to "²", int() says no


@dataclass(frozen=True)
class FaultAction:
    """What a rule does: answer a status, wait, or drop the connection (one or a delay + one)."""

    status: int | None = None
    retry_after: int | None = None
    delay_ms: int = 0
    drop: bool = False


@dataclass(frozen=True)
class FaultRule:
    """When to act: method, path (a glob such as /seat-*), account, header; how often."""

    id: str
    action: FaultAction
    method: str | None = None
    path: str | None = None
    account_id: str | None = None
    header: tuple[str, str] | None = None
    probability: float = 1.0
    remaining: int | None = None  # None: every time
    fired: int = 0

    def applies_to(
        self, method: str, path: str, account_id: str | None, headers: Mapping[str, str]
    ) -> bool:
        """Whether the request is one this rule is about (before probability and count)."""
        return (
            (self.method is None or self.method.upper() == method.upper())
            and (self.path is None or fnmatchcase(path, self.path) or _under_api(path, self.path))
            and (self.account_id is None or self.account_id == account_id)
            and (self.header is None or headers.get(self.header[0].lower()) == self.header[1])
        )


def _under_api(path: str, pattern: str) -> bool:
    # A rule written for /seat-events also catches /api/seat-events.
    return path.startswith("/api/") and fnmatchcase(path[4:], pattern)


class FaultBook:
    """The live rules; deciding a request's fault consumes the rule's count."""

    def __init__(self, chance: Callable[[], float] = random.random) -> None:
        self._chance = chance
        self._lock = threading.Lock()
        self._rules: dict[str, FaultRule] = {}

    def add(self, rule: FaultRule) -> FaultRule:
        """Start applying a rule."""
        with self._lock:
            self._rules[rule.id] = rule
        return rule

    def __bool__(self) -> bool:
        return bool(self._rules)

    def rules(self) -> list[FaultRule]:
        """Every rule, in the order added, with its counts."""
        with self._lock:
            return list(self._rules.values())

    def remove(self, rule_id: str) -> FaultRule | None:
        """Stop applying one rule."""
        with self._lock:
            return self._rules.pop(rule_id, None)

    def clear(self) -> None:
        """Stop applying every rule."""
        with self._lock:
            self._rules.clear()

    def decide(
        self, method: str, path: str, account_id: str | None, headers: Mapping[str, str]
    ) -> FaultAction | None:
        """The action of the first rule that fires for this request, if any."""
        with self._lock:
            for rule in self._rules.values():
                if rule.remaining == 0 or not rule.applies_to(method, path, account_id, headers):
                    continue
                if rule.probability < 1.0 and self._chance() >= rule.probability:
                    continue
                remaining = None if rule.remaining is None else rule.remaining - 1
                self._rules[rule.id] = replace(rule, remaining=remaining, fired=rule.fired + 1)
                return rule.action
        return None


class InvalidFaultHeaderError(ValueError):
    """An Emulator-Fault header this server does not understand."""


def action_from_header(value: str) -> FaultAction:
    """Read `Emulator-Fault: 503`, `429`, `drop` or `delay=250` (milliseconds)."""
    text = value.strip().lower()
    if text == "drop":
        return FaultAction(drop=True)
    if text.startswith("delay="):
        milliseconds = text.removeprefix("delay=")
        if _DIGITS.fullmatch(milliseconds):
            return FaultAction(delay_ms=int(milliseconds))
    elif _DIGITS.fullmatch(text) and 400 <= int(text) <= 599:
        status = int(text)
        return FaultAction(status=status, retry_after=1 if status == 429 else None)
    raise InvalidFaultHeaderError(
        f"Emulator-Fault {value!r}: expected a 4xx/5xx status, 'drop' or 'delay=<milliseconds>'"
    )
