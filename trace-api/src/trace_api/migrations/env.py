"""Alembic environment: runs on the connection handed over by :func:`trace_api.migrations.upgrade`."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from trace_api import models  # noqa: F401  (registers every table)
from trace_api.migrate import include_object

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
