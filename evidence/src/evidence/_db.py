"""Database engines for Suyuan's state: SQLite (WAL, synchronous=FULL) by default, PostgreSQL by URL.

Writers that must be serialised (the ledger's appends) open a *write transaction*: on SQLite a
``BEGIN IMMEDIATE`` (one writer at a time across processes), on PostgreSQL a transaction holding
an advisory lock. A writer waits for the lock at most the engine's lock timeout; then the driver
raises, and :func:`is_contention` tells that failure from others (the API answers it with 503).
"""

from __future__ import annotations

import sqlite3
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

#: How long a writer waits for the writer lock before giving up (SQLite busy_timeout,
#: PostgreSQL lock_timeout), unless the engine is made with another bound.
LOCK_TIMEOUT_S = 10.0
#: SQLite connections are cheap and have no server limit: enough for every request in flight to
#: hold a reader and a writer, so that no request waits on the pool while the writer lock is free.
SQLITE_POOL_SIZE = 20
#: PostgreSQL connections per engine: as many as requests that write at once, and as many again.
POSTGRES_POOL_SIZE, POSTGRES_MAX_OVERFLOW = 20, 20
#: SQLite result codes for a lock held by another connection (SQLITE_BUSY, SQLITE_LOCKED).
_SQLITE_LOCK_CODES = {5, 6}
#: PostgreSQL SQLSTATEs of lock waits that gave up or lost: lock_not_available, serialization
#: failure, deadlock detected, query_canceled (a statement or lock timeout).
_POSTGRES_LOCK_STATES = {"55P03", "40001", "40P01", "57014"}
#: The longest a SQLite writer waiting for the writer lock sleeps between tries. SQLite's own busy
#: handler sleeps up to 100 ms between tries, so a lock freed just after a try stayed free that
#: long while writers waited for it; writers take it within a few milliseconds instead.
SQLITE_WRITER_POLL_MAX_S = 0.002
SQLITE_MMAP_BYTES = 1 << 30
SQLITE_CACHE_KIB = 65_536


def failure_text(exc: Exception) -> str:
    """How the command line words an error: a database error by the driver's own message."""
    if isinstance(exc, SQLAlchemyError):
        return f"database: {getattr(exc, 'orig', None) or exc}"
    return str(exc)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_engine(
    url: str,
    lock_timeout_s: float = LOCK_TIMEOUT_S,
    *,
    pool_size: int | None = None,
    max_overflow: int | None = None,
) -> Engine:
    """An engine for ``url``; SQLite files get WAL, synchronous=FULL and explicit transactions.

    A writer waits at most ``lock_timeout_s`` for the writer lock, and for a pooled connection.
    ``pool_size`` and ``max_overflow`` bound the pool (default: SQLite :data:`SQLITE_POOL_SIZE`
    with no bound on overflow; PostgreSQL :data:`POSTGRES_POOL_SIZE` and
    :data:`POSTGRES_MAX_OVERFLOW`).
    """
    parsed = make_url(url)
    lock_timeout_ms = max(1, int(lock_timeout_s * 1000))
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": lock_timeout_s},
            pool_size=SQLITE_POOL_SIZE if pool_size is None else pool_size,
            max_overflow=-1 if max_overflow is None else max_overflow,
            pool_timeout=lock_timeout_s,
            execution_options={"suyuan_lock_timeout_ms": lock_timeout_ms},
        )

        def configure(dbapi_connection: Any, _record: Any) -> None:
            _configure_sqlite(dbapi_connection, lock_timeout_ms)

        event.listen(engine, "connect", configure)
        event.listen(engine, "begin", _begin_sqlite)
        return _plain_savepoints(engine)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=POSTGRES_POOL_SIZE if pool_size is None else pool_size,
        max_overflow=POSTGRES_MAX_OVERFLOW if max_overflow is None else max_overflow,
        pool_timeout=lock_timeout_s,
        execution_options={"suyuan_lock_timeout_ms": lock_timeout_ms},
    )
    return _plain_savepoints(engine)


def _plain_savepoints(engine: Engine) -> Engine:
    """The engine, taking, releasing and rolling back savepoints as plain SQL statements.

    SQLAlchemy compiles a new statement for each savepoint (each has its own name), which costs
    more than the database takes to run it; a scanner's synced batch takes one per scan.
    """
    dialect = engine.dialect
    quote = dialect.identifier_preparer.quote

    def statement(verb: str) -> Callable[[Connection, str], None]:
        def run(connection: Connection, name: str) -> None:
            connection.exec_driver_sql(f"{verb} {quote(name)}")

        return run

    dialect.do_savepoint = statement("SAVEPOINT")  # type: ignore[method-assign,assignment]
    dialect.do_rollback_to_savepoint = statement("ROLLBACK TO SAVEPOINT")  # type: ignore[method-assign,assignment]
    dialect.do_release_savepoint = statement("RELEASE SAVEPOINT")  # type: ignore[method-assign,assignment]
    return engine


def is_contention(exc: BaseException) -> bool:
    """Whether ``exc`` is a wait for a lock (or a pooled connection) that gave up: worth retrying."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return (int(code) & 0xFF) in _SQLITE_LOCK_CODES
    return getattr(orig, "sqlstate", None) in _POSTGRES_LOCK_STATES


def _configure_sqlite(dbapi_connection: Any, busy_timeout_ms: int) -> None:
    # Take transaction control away from pysqlite so that BEGIN is ours to issue.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    _enter_wal(cursor, busy_timeout_ms / 1000)
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Proofs read O(log n) scattered tree nodes: keep hot pages in memory rather than in syscalls.
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    options = connection.get_execution_options()
    if not options.get("suyuan_write"):
        connection.exec_driver_sql("BEGIN DEFERRED")
        return
    timeout_ms = int(options.get("suyuan_lock_timeout_ms", 0))
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    # Waiting for the writer lock is done here, trying often, rather than by SQLite's busy handler.
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        try:
            begun = _retry_while_locked(
                lambda: dbapi_connection.execute("BEGIN IMMEDIATE"),
                timeout_ms / 1000,
                SQLITE_WRITER_POLL_MAX_S / 8,
                SQLITE_WRITER_POLL_MAX_S,
            )
        except sqlite3.Error:
            begun = False  # not the lock: the last try, through SQLAlchemy, reports it
        if not begun:  # out of time: one last try through SQLAlchemy, whose error says it was busy
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={timeout_ms}")


def _retry_while_locked(
    attempt: Callable[[], object], timeout_s: float, pause: float, longest: float
) -> bool:
    """Runs ``attempt`` until another connection's lock no longer refuses it, sleeping ``pause``
    between tries, doubled each time up to ``longest``. False when it was still refused after
    ``timeout_s``; any other error is raised.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            attempt()
            return True
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", None)
            if code is None or (int(code) & 0xFF) not in _SQLITE_LOCK_CODES:
                raise
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(pause, left))  # the holder lets go in its own time: a poll, not a sync
        pause = min(pause * 2, longest)


@contextmanager
def write_transaction(engine: Engine, lock_name: str) -> Iterator[Connection]:
    """A transaction that holds the writer lock ``lock_name`` until it commits or rolls back."""
    with engine.connect().execution_options(suyuan_write=True) as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            timeout_ms = int(connection.get_execution_options().get("suyuan_lock_timeout_ms", 0))
            connection.execute(text(f"SET LOCAL lock_timeout = {timeout_ms}"))
        hold_lock(connection, lock_name)
        yield connection


def hold_lock(connection: Connection, lock_name: str) -> None:
    """Takes the writer lock ``lock_name`` too, until the write transaction of ``connection`` ends.

    On SQLite the write transaction holds the only writer lock there is already.
    """
    if connection.dialect.name == "postgresql":
        key = zlib.crc32(lock_name.encode())
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection, connection.begin():
        yield connection


def _enter_wal(cursor: Any, timeout_s: float) -> None:
    """Puts the database in WAL mode, waiting out other connections doing the same.

    Switching a fresh database's journal needs its exclusive lock, and SQLite answers "database is
    locked" at once, without its busy handler, to a connection that asks while another switches:
    processes opening one fresh database together retry until ``timeout_s`` has passed.
    """

    def switch() -> None:
        cursor.execute("PRAGMA journal_mode=WAL")

    if not _retry_while_locked(switch, timeout_s, 0.005, 0.1):
        switch()  # out of time: the last try raises the lock's error
