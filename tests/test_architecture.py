"""The import arrows of the layout, read from the source so they stay a rule, not a habit."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "emulator"
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def imports_in(source: str, package: str) -> set[str]:
    """Every module `source` (of `package`) imports, anywhere in it, by its full dotted name;
    `from a import b` names both `a` and `a.b`, since b may be a module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = parts[: len(parts) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def imports_of(path: Path) -> set[str]:
    """Every module a file of the package imports, relative imports resolved."""
    return imports_in(path.read_text(), module_name(path).rpartition(".")[0])


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
        "emulator.production",
    }
    assert users <= entry_points, users


STORAGE = ("emulator.store", "sqlalchemy")


def storage_imports(imported: set[str]) -> set[str]:
    """The names that belong to the storage layer: any module of emulator.store, SQLAlchemy."""
    return {n for n in imported if any(n == s or n.startswith(f"{s}.") for s in STORAGE)}


@pytest.mark.parametrize(
    "path", modules("api") + modules("control") + modules("ui"), ids=module_name
)
def test_views_do_not_reach_past_the_rules_into_the_database(path: Path) -> None:
    assert not storage_imports(imports_of(path))


@pytest.mark.parametrize(
    "source",
    [
        "import sqlalchemy",
        "from sqlalchemy import select",
        "from sqlalchemy.engine import Connection",
        "import emulator.store.customers as rows",
        "from emulator.store.database import Transaction",
        "from emulator.store import customers",
        "from emulator import store",
        "from ..store import database",
        "from ..store.rows import customer_row",
        "def f() -> None:\n    import sqlalchemy",
    ],
)
def test_the_view_rule_catches_every_way_into_storage(source: str) -> None:
    assert storage_imports(imports_in(source, "emulator.api"))


@pytest.mark.parametrize(
    "source",
    [
        "from emulator.rules.store import Store",
        "from emulator.domain.customers import Customer",
        "from ..http.context import services",
        "from . import customers",
    ],
)
def test_the_view_rule_lets_views_use_the_rules_and_the_domain(source: str) -> None:
    assert not storage_imports(imports_in(source, "emulator.api"))


def test_every_module_of_the_package_stays_under_400_lines() -> None:
    long = {
        module_name(path): n
        for path in modules("")
        if (n := len(path.read_text().splitlines())) > 400
    }
    assert long == {}, "split these by concern"
