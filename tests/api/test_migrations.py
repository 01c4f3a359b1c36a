"""The Alembic migrations build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from evidence import make_engine, upgrade_ledger_tables
from trace_api import models  # noqa: F401
from trace_api.migrate import include_object, upgrade


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # running again is harmless

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        differences = compare_metadata(context, SQLModel.metadata)

    engine.dispose()
    assert differences == [], "models changed without a migration: run trace_api.migrate.autogenerate"


def test_migrations_leave_the_ledgers_tables_and_version_table_alone(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_ledger_tables(engine)
    upgrade(engine)

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        differences = compare_metadata(context, SQLModel.metadata)

    engine.dispose()
    assert differences == [], "autogenerate would drop or change the ledger's tables"
