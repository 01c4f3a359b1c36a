"""Alembic environment: runs on the connection handed over by :func:`evidence.upgrade_ledger_tables`."""

from __future__ import annotations

from alembic import context

from evidence._migrate import VERSION_TABLE, include_object, ledger_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=ledger_metadata(),
    include_object=include_object,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
