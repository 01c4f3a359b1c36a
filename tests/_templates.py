"""Test databases at the latest migration, filled from one database migrated once per test session.

Migrating a fresh database through every revision takes about a second on SQLite (Alembic's batch
mode rebuilds tables) and several on PostgreSQL, and most tests start from a freshly migrated one.
The session migrates one template per kind, as ``suyuan up`` would (the ledger's tables, then the
trace API's), with the ledger's identity (its origin and verifier key) removed, so that each test's
ledger writes its own when it opens. A test then gets a copy: SQLite through the backup API, a
PostgreSQL schema by replaying ``pg_dump``'s SQL of the template's schema under the test's name.

Where ``pg_dump`` is missing or fails, PostgreSQL schemas are left empty and each test migrates its
own, as before: slower, never different.
"""

from __future__ import annotations

import functools
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
from sqlalchemy import delete

from evidence import Ledger, NoteSigner, generate_signing_key, make_engine
from evidence._tables import META
from trace_api.migrate import upgrade

#: The template's schema name, replaced by each test's in the dumped SQL: long and odd enough not
#: to occur anywhere else in it.
TEMPLATE_SCHEMA = f"suyuan_template_{uuid.uuid4().hex[:16]}"


def migrate_anew(url: str) -> None:
    """Brings the database at ``url`` to the latest migration, ledger and trace API, leaving no
    ledger identity behind."""
    origin = "template.suyuan.local/log"
    ledger = Ledger(make_engine(url), origin, NoteSigner(generate_signing_key(), origin))
    try:
        upgrade(ledger.engine)
        with ledger.engine.begin() as conn:
            conn.execute(delete(META))
    finally:
        ledger.engine.dispose()


def search_path_of(url: str) -> str:
    """The schema a test's PostgreSQL URL names in its ``options=-csearch_path=…``."""
    options = unquote(urlsplit(url).query).removeprefix("options=")
    return options.removeprefix("-csearch_path=")


class MigratedTemplates:
    """Fills a test's empty database with a copy of the session's migrated template."""

    def __init__(self, folder: Path, postgres_server: Callable[[], str]) -> None:
        self._folder = folder
        self._postgres_server = postgres_server
        self._sqlite: Path | None = None

    def fill(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            self._fill_sqlite(Path(url.removeprefix("sqlite:///")))
        else:
            self._fill_postgres(url)

    # -- SQLite ------------------------------------------------------------------------------

    def _fill_sqlite(self, path: Path) -> None:
        if self._sqlite is None:
            template = self._folder / "template.db"
            migrate_anew(f"sqlite:///{template}")
            self._sqlite = template
        with sqlite3.connect(self._sqlite) as source, sqlite3.connect(path) as copy:
            source.backup(copy)
        source.close()
        copy.close()

    # -- PostgreSQL --------------------------------------------------------------------------

    def _fill_postgres(self, url: str) -> None:
        sql = self._postgres_template
        if sql is None:
            return
        schema = search_path_of(url)
        server = self._postgres_server()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema}")  # the dump creates it, with its objects
            conn.execute(sql.replace(TEMPLATE_SCHEMA, schema).encode())

    @functools.cached_property
    def _postgres_template(self) -> str | None:
        """The template schema's SQL, made on first use; ``None`` without a working ``pg_dump``."""
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            return None
        server = self._postgres_server()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {TEMPLATE_SCHEMA}")
        try:
            migrate_anew(f"{server}?options=-csearch_path%3D{TEMPLATE_SCHEMA}")
            dumped = subprocess.run(
                [pg_dump, "--schema", TEMPLATE_SCHEMA, "--no-owner", "--no-privileges", "--inserts", server],
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {TEMPLATE_SCHEMA} CASCADE")
        if dumped.returncode != 0:
            return None
        lines = dumped.stdout.splitlines()  # less psql's own commands (``\restrict`` in recent pg_dump)
        return "\n".join(line for line in lines if not line.startswith("\\"))
