"""The import arrows of the layout, read from the source so they stay a rule, not a habit."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "emulator"
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, by its full dotted name."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(under: str) -> list[Path]:
    return sorted((PACKAGE / under).rglob("*.py")) if under else sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def foreign_imports(path: Path, libraries: set[str], packages: tuple[str, ...]) -> set[str]:
    """Imports of `path` that are neither the standard library, nor `libraries`, nor `packages`."""
    return {
        name
        for name in imports_of(path)
        if name.split(".")[0] not in STDLIB | libraries and not name.startswith(packages)
    }


@pytest.mark.parametrize("path", modules("domain"), ids=module_name)
def test_domain_uses_the_standard_library_only(path: Path) -> None:
    assert not foreign_imports(path, set(), ("emulator.domain",))


@pytest.mark.parametrize("path", modules("store"), ids=module_name)
def test_store_knows_only_sqlalchemy_and_the_domain(path: Path) -> None:
    assert not foreign_imports(path, {"sqlalchemy"}, ("emulator.domain", "emulator.store"))


@pytest.mark.parametrize("path", modules("rules"), ids=module_name)
def test_rules_know_the_domain_and_the_store_and_build_no_sql(path: Path) -> None:
    # A rule reads and writes through emulator.store: no SQLAlchemy, no web framework.
    allowed = ("emulator.domain", "emulator.store", "emulator.rules")
    assert not foreign_imports(path, set(), allowed)


def test_only_the_http_layer_imports_openapi_core() -> None:
    users = {
        module_name(path)
        for path in modules("")
        if any(name.startswith("openapi_core") for name in imports_of(path))
    }
    assert users and all(name.startswith("emulator.http.") for name in users), users


def test_only_the_composition_root_and_the_entry_points_import_the_app() -> None:
    users = {module_name(path) for path in modules("") if "emulator.app" in imports_of(path)}
    entry_points = {
        "emulator.__init__",
        "emulator.cli",
        "emulator.pytest_plugin",
        "emulator.workers",
    }
    assert users <= entry_points, users


def test_views_do_not_reach_past_the_rules_into_the_database() -> None:
    for path in modules("api") + modules("control"):
        imported = imports_of(path)
        assert not any(name.startswith("emulator.store") for name in imported), module_name(path)
