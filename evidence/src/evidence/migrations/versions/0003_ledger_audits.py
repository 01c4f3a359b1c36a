"""ledger audits

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-10 09:00:00.000000

Audits of the whole log (who started one, its progress while it runs, its report once finished),
kept beside the log they audit so that any process holding the ledger (the API's replicas, the
``suyuan audit`` command) sees the same audits. A database whose tables were created from the
models already has it.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "ledger_audits" in sa.inspect(op.get_bind()).get_table_names():
        return  # created from the models, as a database made before the ledger had migrations is
    op.create_table(
        "ledger_audits",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("started_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("records_checked", sa.BigInteger(), nullable=False),
        sa.Column("records_total", sa.BigInteger(), nullable=False),
        sa.Column("report", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ledger_audits_started_at", "ledger_audits", ["started_at", "id"], unique=False)
    op.create_index("ix_ledger_audits_finished_at", "ledger_audits", ["finished_at"], unique=False)
    op.create_index("ix_ledger_audits_status", "ledger_audits", ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("ledger_audits")  # the audits' facts stay in the log as its audit records
