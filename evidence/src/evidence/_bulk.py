"""Bulk inserts whose rows are made before the writer lock is taken.

SQLAlchemy's ``Connection.execute(insert(table), rows)`` runs every column's bind processor (a
datetime to SQLite's text, a float checked) and builds a parameter dict per row while the
statement executes, which for a batch of device readings is most of the time the writer lock is
held for their rows. :class:`BulkInsert` runs the same processors when a row is made, so a caller
makes its rows first, takes the lock, and holds it for the DBAPI ``executemany`` alone. Values
known only inside the transaction (a ledger index) are the last columns, converted on their own
and appended to the row made before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table
from sqlalchemy.types import DateTime, TypeDecorator, TypeEngine


class BulkInsert:
    """``INSERT INTO table (columns) VALUES (...)`` for many rows, each converted as it is made."""

    def __init__(self, dialect: Dialect, table: Table, columns: Sequence[str]) -> None:
        unknown = [name for name in columns if name not in table.c]
        if unknown:
            raise ValueError(f"{table.name} has no column {', '.join(unknown)}")
        self.columns = tuple(columns)
        quote = dialect.identifier_preparer.quote
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self.statement = (
            f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
            f"({', '.join(quote(name) for name in columns)}) VALUES ({', '.join([mark] * len(columns))})"
        )
        self._processors: list[Callable[[Any], Any] | None] = []
        for name in columns:
            process: Callable[[Any], Any] | None = table.c[name].type._cached_bind_processor(dialect)
            if process is not None and _holds_datetimes(table.c[name].type):
                process = _remembering(process)
            self._processors.append(process)

    def values(self, values: Sequence[Any], start: int = 0) -> tuple[Any, ...]:
        """The values of the columns from ``start`` on, as the database takes them."""
        processors = self._processors[start : start + len(values)]
        if len(processors) != len(values):
            raise ValueError(f"{len(values)} values for columns {start} on of {self.columns}")
        return tuple([v if p is None or v is None else p(v) for p, v in zip(processors, values, strict=True)])

    def run(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """Inserts the rows (each :meth:`values` of every column) in the caller's transaction."""
        if not rows:
            return
        width = len(self.columns)
        if any(len(row) != width for row in rows):
            raise ValueError(f"rows of {self.statement!r} need {width} values each")
        conn.connection.cursor().executemany(self.statement, rows)


def _holds_datetimes(kind: TypeEngine[Any]) -> bool:
    return isinstance(kind.impl_instance if isinstance(kind, TypeDecorator) else kind, DateTime)


def _remembering(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A datetime column's bind processor that remembers its last answers: a batch's rows repeat
    the same few instants (when it arrived; a reading's time, stored in two tables)."""

    @lru_cache(maxsize=1024)
    def converted(value: dt.datetime, _zone: dt.tzinfo | None, _fold: int) -> Any:
        return process(value)

    def remembered(value: Any) -> Any:
        # Equal datetimes with equal zones and folds hold the same fields: they convert alike.
        if type(value) is dt.datetime:
            return converted(value, value.tzinfo, value.fold)
        return process(value)

    return remembered


@lru_cache(maxsize=64)
def bulk_insert(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> BulkInsert:
    """The :class:`BulkInsert` of those columns of the table on that dialect, made once."""
    return BulkInsert(dialect, table, columns)
