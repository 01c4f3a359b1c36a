"""organisation status: members can be suspended and restored; membership role changes in the chain outbox

Revision ID: 3c7e1a9d5b20
Revises: 9508d6a0d821
Create Date: 2026-12-05 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "3c7e1a9d5b20"
down_revision = "9508d6a0d821"
branch_labels = None
depends_on = None

ORG_STATUS = sa.Enum("active", "suspended", name="orgstatus")


def upgrade() -> None:
    bind = op.get_bind()
    ORG_STATUS.create(bind, checkfirst=True)
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", ORG_STATUS, server_default="active", nullable=False))
        batch_op.add_column(sa.Column("suspended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("suspension_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )
    if bind.dialect.name == "postgresql":  # SQLite stores the operation as text, unconstrained
        op.execute("ALTER TYPE chainoperation ADD VALUE IF NOT EXISTS 'revoke'")
        op.execute("ALTER TYPE chainoperation ADD VALUE IF NOT EXISTS 'grant'")


def downgrade() -> None:
    # PostgreSQL cannot drop a value from an enum type: 'revoke' and 'grant' stay in chainoperation.
    op.execute("DELETE FROM chain_ops WHERE operation IN ('revoke', 'grant')")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("suspension_reason")
        batch_op.drop_column("suspended_at")
        batch_op.drop_column("status")
    ORG_STATUS.drop(op.get_bind(), checkfirst=True)
