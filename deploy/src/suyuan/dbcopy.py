"""``suyuan db copy-to-postgres URL``: an embedded SQLite installation moved into PostgreSQL, proven.

The copy reads the SQLite database inside one write transaction holding the ledger's writer lock,
so nothing is written to it meanwhile and every table is read at one instant. The target must be
an empty PostgreSQL database: its tables are made by the same migrations the service runs, the
rows copied table by table in foreign-key order (the primary keys kept), and each serial
sequence set past the largest key. Then the copy is proven before anyone points a service at it:

- every table holds as many rows as its source, and the same rows (a SHA-256 over each table's
  rows in key order, read back from both databases);
- the ledger in PostgreSQL passes the audit (every leaf recomputed, the tree and every signed
  checkpoint checked), and its root equals the source's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer
from sqlalchemy import Connection, DateTime, Engine, MetaData, Table, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from chain.cli import cli_settings, fail, out, progress_bar
from evidence import (
    LEDGER_VERSION_TABLE,
    Ledger,
    LedgerError,
    VerificationError,
    audit_log,
    failure_text,
    make_engine,
    open_ledger,
    write_transaction,
)
from trace_api.migrate import upgrade
from trace_api.settings import ServiceSettings

#: Rows read and written per statement.
BATCH = 2_000
#: Tables the migrations write themselves (their revision), never copied.
VERSION_TABLES = {"alembic_version", LEDGER_VERSION_TABLE}


class CopyError(RuntimeError):
    """A copy that cannot start or did not prove equal (the message says which and why)."""


@dataclass
class CopyReport:
    tables: dict[str, int] = field(default_factory=dict)
    records: int = 0
    root: str = ""
    checkpoints_checked: int = 0

    def describe(self, target: str) -> dict[str, Any]:
        return {
            "copied_to": target,
            "tables": self.tables,
            "rows": sum(self.tables.values()),
            "audit": {"passed": True, "records": self.records, "root": self.root},
            "checkpoints_checked": self.checkpoints_checked,
        }


Advance = Callable[[str, int, int], None]


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _tables(conn: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(conn)
    return metadata


def _key_columns(table: Table) -> list[Any]:
    return list(table.primary_key.columns) or list(table.columns)


def _digest(conn: Connection, table: Table) -> str:
    """SHA-256 over the table's rows in key order, each row as JSON of its values."""
    digest = hashlib.sha256()
    rows = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*_key_columns(table)))
    for row in rows:
        digest.update(json.dumps([_plain(v) for v in row], default=str).encode() + b"\n")
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    """One form for what the two drivers hand back differently (memoryview, bool stored as 0/1)."""
    if isinstance(value, memoryview):
        return bytes(value).hex()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dt.datetime):  # SQLite keeps the UTC time the service wrote, without its zone
        return (value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (int, float, str)):  # an enum member
        return value.value
    return value


def _require_empty(conn: Connection) -> None:
    metadata = _tables(conn)
    holding = [
        t.name
        for t in metadata.sorted_tables
        if t.name not in VERSION_TABLES and conn.execute(select(func.count()).select_from(t)).scalar()
    ]
    if holding:
        raise CopyError(
            f"the target database holds rows already (in {', '.join(holding[:3])}"
            f"{'…' if len(holding) > 3 else ''}): copy only into an empty database"
        )


def _reset_sequences(conn: Connection, table: Table) -> None:
    for column in table.primary_key.columns:
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column.name},
        ).scalar()
        if sequence:
            conn.execute(
                text(
                    f"SELECT setval(:sequence, COALESCE((SELECT MAX({column.name}) FROM {table.name}), 1), "
                    f"(SELECT MAX({column.name}) FROM {table.name}) IS NOT NULL)"
                ),
                {"sequence": sequence},
            )


def copy_database(source: Ledger, target_url: str, advance: Advance) -> CopyReport:
    """Copies ``source``'s database (SQLite) into the empty PostgreSQL database at ``target_url``
    and proves the copy; raises :class:`CopyError` (nothing left half-written is ever reported as
    done: the target's rows are written in one transaction)."""
    if make_url(target_url).get_backend_name() != "postgresql":
        raise CopyError(f"--to {_shown(target_url)} is not a PostgreSQL URL (postgresql://user@host/db)")
    if source.engine.dialect.name != "sqlite":
        raise CopyError("the configured database is not the embedded SQLite one: nothing to copy")
    upgrade(source.engine)  # a source behind the code's migrations is brought up to them first
    target = make_engine(target_url)
    try:
        with target.connect() as conn:
            _require_empty(conn)
        try:
            return _copy_and_prove(source, target, advance)
        except BaseException:
            _empty(target)  # as it was found, so that the copy can be tried again
            raise
    finally:
        target.dispose()


def _copy_and_prove(source: Ledger, target: Engine, advance: Advance) -> CopyReport:
    """Requires ``target`` empty; writes its rows in one transaction, committed once they match."""
    Ledger(target, source.origin, source.signer)  # the ledger's own tables, by its migrations
    upgrade(target)
    report = CopyReport()
    with write_transaction(source.engine, source.lock_name) as read, target.begin() as write:
        source_tables, target_tables = _tables(read), _tables(write)
        ordered = [t for t in target_tables.sorted_tables if t.name not in VERSION_TABLES]
        missing = [t.name for t in ordered if t.name not in source_tables.tables]
        if missing:
            raise CopyError(f"the source lacks tables the target has: {', '.join(missing)}")
        _audit_source(source)  # read under the writer lock: what is audited is what is copied
        for table in reversed(ordered):  # what opening the ledger wrote (its origin and key)
            write.execute(table.delete())
        for table in ordered:
            report.tables[table.name] = _copy_table(
                read, write, source_tables.tables[table.name], table, advance
            )
            _reset_sequences(write, table)
        for table in ordered:
            if _digest(read, source_tables.tables[table.name]) != _digest(write, table):
                raise CopyError(f"table {table.name} differs after the copy: nothing was committed")
        size = source.size()
        root = source.root(size).hex() if size else ""
    _prove(target, source, size, root, report)
    return report


def _audit_source(source: Ledger) -> None:
    """A source that fails its audit is not copied: its copy would fail the same way."""
    try:
        audit_log(source, None)
    except VerificationError as exc:
        raise CopyError(
            f"the source ledger fails its audit at step '{exc.step}': {exc.detail}; nothing was copied"
        ) from exc


def _empty(target: Engine) -> None:
    """Deletes every row a failed copy left (the ledger's origin and key, or a copy that failed
    its proof after commit), in one transaction."""
    with suppress(SQLAlchemyError), target.begin() as conn:  # the copy's own error is the one to tell
        for table in reversed(_tables(conn).sorted_tables):
            if table.name not in VERSION_TABLES:
                conn.execute(table.delete())


def _copy_table(read: Connection, write: Connection, source: Table, target: Table, advance: Advance) -> int:
    total = int(read.execute(select(func.count()).select_from(source)).scalar() or 0)
    columns = [c.name for c in target.columns]
    unknown = [c for c in columns if c not in source.columns]
    if unknown:
        raise CopyError(f"table {target.name}: the source lacks columns {', '.join(unknown)}")
    rows = read.execution_options(yield_per=BATCH).execute(
        select(*(source.columns[c] for c in columns)).order_by(*_key_columns(source))
    )
    zoned = {c.name for c in target.columns if isinstance(c.type, DateTime) and c.type.timezone}
    done = 0
    for chunk in _chunks(rows):
        values = [dict(zip(columns, row, strict=True)) for row in chunk]
        for row in values:  # a time SQLite kept without its zone is UTC, whatever the server's zone
            for name in zoned:
                if isinstance(row[name], dt.datetime) and row[name].tzinfo is None:
                    row[name] = row[name].replace(tzinfo=dt.UTC)
        write.execute(target.insert(), values)
        done += len(chunk)
        advance(target.name, done, total)
    advance(target.name, done, total)
    return done


def _chunks(rows: Any) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prove(target: Engine, source: Ledger, size: int, root: str, report: CopyReport) -> None:
    copied = Ledger(target, source.origin, source.signer)
    try:
        audited = audit_log(copied, None)
    except VerificationError as exc:
        raise CopyError(
            f"the copied ledger fails its audit at step '{exc.step}': {exc.detail}; the copy was removed"
        ) from exc
    if audited.records != size or (size and audited.root.hex() != root):
        raise CopyError(
            f"the copied ledger's root differs: {audited.root.hex()} against {root}; the copy was removed"
        )
    report.records, report.root, report.checkpoints_checked = (
        audited.records,
        root,
        audited.checkpoints_checked,
    )


db_app = typer.Typer(help="The state database: move the embedded SQLite installation.", no_args_is_help=True)


@db_app.command("copy-to-postgres")
def copy_to_postgres(
    to: Annotated[str, typer.Option("--to", help="The empty PostgreSQL database: postgresql://user@host/db")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Copy the ledger and every table of the embedded SQLite database into PostgreSQL, and prove the
    copy (same rows in every table, ledger audit passed, same root). Stop `suyuan up` first; then
    set SUYUAN_DATABASE_URL to the target."""
    config = cli_settings(ServiceSettings)
    try:
        source = open_ledger(config)
        with progress_bar(1, "copy") as advance:
            report = copy_database(source, to, advance)
    except CopyError as exc:
        fail(str(exc))
    except (LedgerError, SQLAlchemyError, OSError) as exc:
        fail(f"copy into {_shown(to)} failed: {failure_text(exc)}")
    summary = report.describe(_shown(to))
    if as_json:
        out.print_json(json.dumps(summary))
        return
    out.print(
        f"copied {summary['rows']} rows in {len(report.tables)} tables into {summary['copied_to']}; "
        f"audit passed: {report.records} records, {report.checkpoints_checked} signed checkpoints, "
        f"root {report.root or '(empty log)'}"
    )
    out.print("next: set SUYUAN_DATABASE_URL to it and start suyuan up")
