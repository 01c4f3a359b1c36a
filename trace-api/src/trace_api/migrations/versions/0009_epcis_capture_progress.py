"""epcis capture jobs show progress: processed events; no finish time while running

Revision ID: d50ff8e8e95b
Revises: b1a2c3d4e5f6
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d50ff8e8e95b"
down_revision = "b1a2c3d4e5f6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("epcis_capture_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("processed", sa.Integer(), nullable=False, server_default="0"))
        batch_op.alter_column("finished_at", existing_type=sa.DateTime(), nullable=True)
    op.execute("UPDATE epcis_capture_jobs SET processed = events")  # every earlier job finished


def downgrade() -> None:
    op.execute("UPDATE epcis_capture_jobs SET finished_at = created_at WHERE finished_at IS NULL")
    with op.batch_alter_table("epcis_capture_jobs", schema=None) as batch_op:
        batch_op.alter_column("finished_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.drop_column("processed")
