"""self-inspection tasks done by an inspector's on-site inspection (the inspection, when, its record)

Revision ID: 7b3e9f41c2d8
Revises: 8df14ecc5919
Create Date: 2026-12-05 08:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "7b3e9f41c2d8"
down_revision = "8df14ecc5919"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("selfcheck_inspection_tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("inspection_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
        )
        batch_op.add_column(sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("done_record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("selfcheck_inspection_tasks", schema=None) as batch_op:
        batch_op.drop_column("done_record_id")
        batch_op.drop_column("done_at")
        batch_op.drop_column("inspection_id")
