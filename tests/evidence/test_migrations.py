"""The ledger's tables come from its own Alembic migrations, versioned in their own table.

A fresh database gets them when a ledger first opens it; a database whose tables the ledger
created before it had migrations is adopted with its records; processes opening one fresh
database at once all succeed.
"""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, select, text
from sqlalchemy.schema import CreateTable

from evidence import (
    LEDGER_TABLES,
    LEDGER_VERSION_TABLE,
    Ledger,
    NoteSigner,
    audit_log,
    generate_signing_key,
    ledger_revision,
    load_signing_key,
    make_engine,
    proof_bundle,
    save_signing_key,
    upgrade_ledger_tables,
    verify_bundle,
    write_transaction,
)
from evidence._db import _enter_wal
from evidence._migrate import HEAD, MIGRATIONS, include_object, ledger_metadata
from evidence._tables import META
from tests.conftest import REPO_ROOT, make_record

DISK_TEMP = REPO_ROOT / "build"

ORIGIN = "test.suyuan.local/log"


class LedgerBeforeMigrations(Ledger):
    """The ledger as it opened before its tables had migrations: created from the models."""

    def _initialise(self) -> None:
        with write_transaction(self.engine, self.lock_name) as conn:
            for table in LEDGER_TABLES:
                table.create(conn, checkfirst=True)
            conn.execute(
                META.insert(),
                [
                    {"key": "origin", "value": self.origin},
                    {"key": "verifier_key", "value": self.signer.verifier_key()},
                ],
            )


def revision_rows(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [
            str(v) for v in conn.execute(text(f"SELECT version_num FROM {LEDGER_VERSION_TABLE}")).scalars()
        ]


def test_head_is_the_latest_revision_of_the_scripts() -> None:
    assert ScriptDirectory(str(MIGRATIONS)).get_current_head() == HEAD


def test_fresh_database_gets_the_tables_and_a_version_row(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append(make_record(0))

    assert revision_rows(ledger.engine) == [HEAD]
    assert {t.name for t in LEDGER_TABLES} <= set(inspect(ledger.engine).get_table_names())
    assert ledger.size() == 1


def test_migrations_build_the_tables_the_models_define(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_ledger_tables(engine)
    upgrade_ledger_tables(engine)  # running again is harmless

    with engine.connect() as conn:
        opts = {"include_object": include_object, "version_table": LEDGER_VERSION_TABLE}
        differences = compare_metadata(MigrationContext.configure(conn, opts=opts), ledger_metadata())
        statements = stored_statements(conn) if conn.dialect.name == "sqlite" else {}
    engine.dispose()

    assert differences == [], "the ledger's tables changed without a migration"
    # Autogenerate does not see SQLite's table options (WITHOUT ROWID, INTEGER as the rowid):
    # there the statements themselves must be the models'.
    for table in LEDGER_TABLES if statements else []:
        assert statements[table.name] == str(CreateTable(table).compile(engine)).strip()


def stored_statements(conn: Connection) -> dict[str, str]:
    """SQLite's CREATE statement of each table."""
    rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    return {name: sql.strip() for name, sql in rows}


def test_database_from_before_migrations_is_adopted_with_its_records(database_url: str) -> None:
    signer = NoteSigner(generate_signing_key(), ORIGIN)
    engine = make_engine(database_url)
    old = LedgerBeforeMigrations(engine, ORIGIN, signer)
    old.append_many([make_record(i) for i in range(10)])
    checkpoint = old.checkpoint()
    assert checkpoint is not None
    assert ledger_revision_of(engine) is None

    ledger = Ledger(engine, ORIGIN, signer)
    ledger.append_many([make_record(i) for i in range(10, 13)])
    ledger.checkpoint()

    assert revision_rows(engine) == [HEAD]
    assert ledger.size() == 13
    assert ledger.root(10) == checkpoint.root_hash
    verified = verify_bundle(proof_bundle(ledger, "r-3"), signer.verifier_key())
    assert (verified.index, verified.tree_size) == (3, 13)
    assert audit_log(ledger, None).checkpoints_checked == 2
    engine.dispose()


def ledger_revision_of(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return ledger_revision(conn)


def open_at_once(url: str, key_file: Path, as_ledger: bool, start: Barrier) -> None:
    """One process opening the database: as a ledger, or only to bring its tables up to date."""
    engine = make_engine(url)
    start.wait(timeout=30)
    if as_ledger:
        Ledger(engine, ORIGIN, NoteSigner(load_signing_key(key_file), ORIGIN)).append(make_record(0))
    else:
        upgrade_ledger_tables(engine)
    engine.dispose()


def test_processes_opening_one_fresh_database_at_once_all_succeed(database_url: str, tmp_path: Path) -> None:
    key_file = tmp_path / "ledger.key"
    save_signing_key(key_file, generate_signing_key())
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(3)
    processes = [
        spawn.Process(target=open_at_once, args=(database_url, key_file, i % 2 == 0, start)) for i in range(3)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)

    assert [p.exitcode for p in processes] == [0, 0, 0]
    engine = make_engine(database_url)
    assert revision_rows(engine) == [HEAD]
    with engine.connect() as conn:
        assert conn.execute(select(META.c.key).order_by(META.c.key)).scalars().all() == [
            "origin",
            "verifier_key",
        ]
    assert Ledger(engine, ORIGIN, NoteSigner(load_signing_key(key_file), ORIGIN)).size() == 1
    engine.dispose()


def _connect_at_once(path: str, start: Barrier) -> None:
    engine = make_engine(f"sqlite:///{path}")
    start.wait(timeout=30)
    with engine.connect() as conn:  # the first connection puts the fresh file in WAL mode
        conn.execute(text("SELECT 1"))
    engine.dispose()


@pytest.fixture
def disk_path() -> Iterator[Path]:
    """A folder on the checkout's disk, not in RAM where tests keep their files (tests/conftest.py):
    on tmpfs the race below is too narrow to be met in a test's time."""
    DISK_TEMP.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="disk-", dir=DISK_TEMP))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_processes_connecting_to_one_fresh_sqlite_file_at_once_all_connect(disk_path: Path) -> None:
    # Switching a fresh file to WAL is refused at once, not waited for, while another connection
    # switches it: each round is a fresh file and six processes that connect together.
    fork = multiprocessing.get_context("fork")
    for round_ in range(20):
        start = fork.Barrier(6)
        path = str(disk_path / f"fresh-{round_}.db")
        processes = [fork.Process(target=_connect_at_once, args=(path, start)) for _ in range(6)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=60)
        assert [p.exitcode for p in processes] == [0] * 6, f"round {round_}"


def test_a_connection_switching_to_wal_waits_out_another_holding_the_lock(tmp_path: Path) -> None:
    # The race above is rarely met on a fast disk: here the lock is held on purpose. A connection
    # without a busy handler is refused at once, as one switching a fresh file's journal is.
    path = tmp_path / "fresh.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    switching = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        switching.execute("PRAGMA journal_mode=WAL")
    release = threading.Timer(0.2, holder.commit)  # the other connection's switch, done
    release.start()
    _enter_wal(switching.cursor(), timeout_s=10)
    release.join()
    assert switching.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    switching.close()
    holder.close()


def test_a_connection_switching_to_wal_gives_up_after_its_timeout(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    switching = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _enter_wal(switching.cursor(), timeout_s=0.05)
    switching.close()
    holder.close()
