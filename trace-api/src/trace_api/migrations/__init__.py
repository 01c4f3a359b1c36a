"""Alembic migrations of the trace API's tables (the evidence ledger versions its own tables)."""
