"""Alembic migrations of the ledger's tables, versioned in ``evidence_alembic_version``."""
