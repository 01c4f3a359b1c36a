"""recall notices owed: one delivery row per holder per channel, delivered after commit

Revision ID: b1a2c3d4e5f6
Revises: b1a2c3d4e5f4
Create Date: 2026-12-02 14:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "b1a2c3d4e5f6"
down_revision = "b1a2c3d4e5f4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recall_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.Enum("mqtt", "webhook", name="noticechannel"), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=True),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(["notice_id"], ["recall_notices.id"]),
        sa.ForeignKeyConstraint(["webhook_id"], ["webhooks.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("recall_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_recall_deliveries_due", ["delivered_at", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_recall_deliveries_notice_id"), ["notice_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recall_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recall_deliveries_notice_id"))
        batch_op.drop_index("ix_recall_deliveries_due")
    op.drop_table("recall_deliveries")
    sa.Enum(name="noticechannel").drop(op.get_bind(), checkfirst=True)
