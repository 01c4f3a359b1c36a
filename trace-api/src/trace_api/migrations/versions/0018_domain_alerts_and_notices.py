"""domain alerts and notices owed: alerts about a domain's subject (no device), organisation types
of the market and special-equipment domains, and the notices owed to organisations after commit

Revision ID: a646edab751e
Revises: 8c3d5e7f9a12
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "a646edab751e"
down_revision = "8c3d5e7f9a12"
branch_labels = None
depends_on = None

NEW_ORG_TYPES = ("vendor", "maintainer", "user_unit")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for value in NEW_ORG_TYPES:
            op.execute(f"ALTER TYPE orgtype ADD VALUE IF NOT EXISTS '{value}'")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("device_id", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        batch_op.add_column(
            sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True)
        )
        batch_op.create_index("ix_alerts_subject", ["subject_type", "subject_id", "rule"], unique=False)
    op.create_table(
        "notices_owed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("channel", sa.Enum("mqtt", "webhook", name="channel"), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=True),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["webhook_id"], ["webhooks.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notices_owed", schema=None) as batch_op:
        batch_op.create_index("ix_notices_owed_due", ["delivered_at", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notices_owed_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    # PostgreSQL cannot drop an enum's values: the organisation types stay, unused.
    with op.batch_alter_table("notices_owed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_owed_org_id"))
        batch_op.drop_index("ix_notices_owed_due")
    op.drop_table("notices_owed")
    sa.Enum(name="channel").drop(op.get_bind(), checkfirst=True)
    op.execute("DELETE FROM alerts WHERE device_id IS NULL")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_subject")
        batch_op.drop_column("subject_id")
        batch_op.drop_column("subject_type")
        batch_op.alter_column("device_id", existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
