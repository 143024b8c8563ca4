"""The dashboard's sections: each one is a template and one small view function.

A section is rendered as an HTML fragment at /_emulator/ui/sections/<name>; the page loads
each into its panel, and reloads the live ones when the sandbox changes. Adding a section
(as usage was) takes a template `templates/ui/<name>.html`, a view function, and one
`Section(...)` in the tuple `emulator.ui.SECTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from emulator.services import Services


class SectionInputError(ValueError):
    """A section's parameter that cannot be read; shown in the section, not raised as a 400."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))
        self.problems = problems


@dataclass(frozen=True)
class Asked:
    """What a section is asked for: the account picked, and the section's own parameters."""

    account_id: str | None
    params: Mapping[str, str]

    @property
    def account(self) -> str:
        """The account picked: a section that needs one is only asked with one."""
        assert self.account_id is not None
        return self.account_id

    def get(self, name: str) -> str | None:
        """A parameter, None when absent or blank."""
        value = self.params.get(name, "").strip()
        return value or None

    def number(self, name: str, default: int, highest: int) -> int:
        """A whole-number parameter between 1 and `highest`, or SectionInputError."""
        text = self.get(name)
        if text is None:
            return default
        if not text.isdigit() or not 1 <= int(text) <= highest:
            raise SectionInputError([(name, f"expected a whole number from 1 to {highest}")])
        return int(text)

    def link(self, **changes: str | None) -> str:
        """This section's parameters with `changes` (None drops one), as a query string."""
        merged = {**self.params, **changes}
        return urlencode({key: value for key, value in merged.items() if value})


SectionView = Callable[[Services, Asked], dict[str, Any]]


@dataclass(frozen=True)
class Section:
    """One part of the page: its name (in URLs), title, view, and how the page shows it."""

    name: str
    title: str
    view: SectionView
    panel: bool = True  # False: loaded into another section's place (a chain, a body)
    live: bool = False  # reloaded when requests or events arrive
    needs_account: bool = True

    @property
    def template(self) -> str:
        """The Jinja template that renders the view's values."""
        return f"ui/{self.name}.html"
