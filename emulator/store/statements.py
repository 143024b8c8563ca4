"""SQLAlchemy Core statements, compiled once per dialect into the driver's own SQL."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ClauseElement, ColumnElement, Table, and_, bindparam, update
from sqlalchemy.engine import Dialect

Row = Mapping[str, Any]  # one row by column name


class Prepared:
    """A statement whose text never changes (values come as bindparam()s, no IN lists):
    compiled on first use by each dialect. `statement` may be a function of the dialect's
    name, for the few statements each database spells its own way."""

    def __init__(self, statement: ClauseElement | Callable[[str], ClauseElement]) -> None:
        self.statement = statement
        self._compiled: dict[str, tuple[str, dict[str, Any]]] = {}

    def compiled(self, dialect: Dialect) -> tuple[str, dict[str, Any]]:
        """The SQL text and the values bound in the expression, for `dialect`."""
        found = self._compiled.get(dialect.name)
        if found is None:
            statement = self.statement
            if not isinstance(statement, ClauseElement):
                statement = statement(dialect.name)
            done = statement.compile(dialect=dialect)
            found = self._compiled[dialect.name] = (str(done), dict(done.params))
        return found


Statement = Prepared | ClauseElement


def compiled(statement: Statement, dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """SQL text in the driver's parameter style (named) and the values the expression binds."""
    if isinstance(statement, Prepared):
        return statement.compiled(dialect)
    return _compile(statement, dialect)


def _compile(statement: ClauseElement, dialect: Dialect) -> tuple[str, dict[str, Any]]:
    done = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    return str(done), dict(done.params)


def by_id(table: Table) -> ColumnElement[bool]:
    """One row of an account's table, by :account_id and :id."""
    return and_(table.c.account_id == bindparam("account_id"), table.c.id == bindparam("id"))


def replacing(table: Table) -> Prepared:
    """An UPDATE that writes every column of one row, found by its account and id (the
    values go by `replacement`)."""
    found = and_(
        table.c.account_id == bindparam("key_account_id"), table.c.id == bindparam("key_id")
    )
    every: dict[str, Any] = {c.name: bindparam(f"new_{c.name}") for c in table.columns}
    return Prepared(update(table).where(found).values(every))


def replacement(values: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of a `replacing` statement for a row's values."""
    named = {f"new_{name}": value for name, value in values.items()}
    return named | {"key_account_id": values["account_id"], "key_id": values["id"]}
