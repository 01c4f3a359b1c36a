"""records by kind and time

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 09:00:00.000000

Counting the records of a kind appended since a time (a dashboard's "scans today") reads this
index alone instead of every record. A database whose tables were created from the models
already has it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEX = "ix_ledger_records_kind_appended_at"


def upgrade() -> None:
    existing = {index["name"] for index in sa.inspect(op.get_bind()).get_indexes("ledger_records")}
    if INDEX not in existing:
        op.create_index(INDEX, "ledger_records", ["kind", "appended_at"], unique=False)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="ledger_records")
