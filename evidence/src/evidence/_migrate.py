"""The ledger's tables under Alembic: revisions of their own, versioned apart from trace-api's.

Every :class:`~evidence.Ledger` brings its database to the latest revision when it opens, under
the writer lock, so that processes opening one fresh database at once do not race. At the latest
revision that costs one catalogue lookup and one row read; Alembic is loaded only when behind.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Connection, Engine, MetaData, text

from ._db import hold_lock, write_transaction
from ._tables import LEDGER_TABLES

#: The latest revision in ``migrations/versions`` (the tests hold the two equal).
HEAD = "0003"
#: Alembic's version table for the ledger; trace-api's migrations keep ``alembic_version``.
VERSION_TABLE = "evidence_alembic_version"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LEDGER_TABLE_NAMES = frozenset(t.name for t in LEDGER_TABLES)
# Taken by whoever migrates: ledgers of different origins hold different writer locks.
_MIGRATION_LOCK = "suyuan-evidence:migrations"
# Alembic's ``context`` and ``op`` are module-wide proxies: one migration at a time per process.
_ALEMBIC = threading.Lock()


def upgrade_ledger_tables(engine: Engine) -> None:
    """Brings the ledger's tables in ``engine``'s database to the latest revision; safe to run again.

    A database whose tables were made before the ledger had migrations is adopted as it stands.
    """
    with write_transaction(engine, _MIGRATION_LOCK) as conn:
        upgrade_in(conn)


def upgrade_in(conn: Connection) -> None:
    """Requires ``conn`` to be in a write transaction (:func:`evidence.write_transaction`)."""
    if ledger_revision(conn) == HEAD:
        return
    hold_lock(conn, _MIGRATION_LOCK)
    if ledger_revision(conn) == HEAD:  # another process migrated while this one waited
        return
    from alembic import command  # only when behind: importing Alembic costs more than the check
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    with _ALEMBIC:
        command.upgrade(config, "head")


def ledger_revision(conn: Connection) -> str | None:
    """The revision the ledger's tables are at (None: not under migrations yet)."""
    if not conn.dialect.has_table(conn, VERSION_TABLE):
        return None
    revision = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    return None if revision is None else str(revision)


def ledger_metadata() -> MetaData:
    """The ledger's tables alone, as the models define them (what the revisions must build)."""
    metadata = MetaData()
    for table in LEDGER_TABLES:
        table.to_metadata(metadata)
    return metadata


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Autogenerate compares the ledger's tables only: the database holds other components' too."""
    return type_ != "table" or name in LEDGER_TABLE_NAMES
