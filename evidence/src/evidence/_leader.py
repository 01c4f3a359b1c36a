"""Leadership: one process at a time runs a job that must run once (the anchorer), others stand by.

On PostgreSQL the leader holds a session advisory lock on a connection of its own, kept open while
it leads: when the process dies, or its connection breaks, the server releases the lock and the
next process that asks takes over. On SQLite, whose processes share one host, the leader holds an
exclusive ``flock`` on a file beside the database, which the kernel releases when the process dies.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import zlib
from contextlib import suppress
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


class Leadership:
    """Whether this process leads ``name`` among the processes sharing ``engine``'s database."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        self.key = zlib.crc32(f"suyuan-leader:{name}".encode())
        self._connection: Connection | None = None
        self._file: IO[str] | None = None

    @property
    def leading(self) -> bool:
        return self._connection is not None or self._file is not None

    def hold(self) -> bool:
        """True while this process leads: keeps what it holds (checking it still stands), else tries
        to take it. Never waits."""
        if self.engine.dialect.name == "postgresql":
            return self._hold_postgres()
        return self._hold_file()

    def release(self) -> None:
        """Gives leadership up (at a clean stop), so a standby takes over at once."""
        if self._connection is not None:
            with suppress(SQLAlchemyError):  # a broken connection: the server released the lock already
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self._drop_connection()
        if self._file is not None:
            self._file.close()  # closing the file drops its lock
            self._file = None

    def _hold_postgres(self) -> bool:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except SQLAlchemyError as exc:
                log.warning("%s: the leader's connection broke, leadership lost: %s", self.name, exc)
                self._drop_connection()
        connection = self.engine.connect()
        try:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            taken = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
        except SQLAlchemyError:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with suppress(SQLAlchemyError):
                self._connection.invalidate()  # never back to the pool: the lock is the session's
                self._connection.close()
            self._connection = None

    def _hold_file(self) -> bool:
        if self._file is not None:
            return True
        database = make_url(str(self.engine.url)).database
        if not database or database == ":memory:":
            return True  # one process owns an in-memory database
        path = Path(f"{database}.{re.sub(r'[^A-Za-z0-9_.-]+', '-', self.name)}.leader")
        handle = path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True
