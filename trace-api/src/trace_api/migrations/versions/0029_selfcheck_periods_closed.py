"""self-inspection periods closed (selfcheck.period_closed): one row a campaign's period

Revision ID: 5c2a8e61d7f4
Revises: 7b3e9f41c2d8
Create Date: 2026-12-05 08:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "5c2a8e61d7f4"
down_revision = "7b3e9f41c2d8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "selfcheck_periods_closed",
        sa.Column("campaign_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("asked", sa.Integer(), nullable=False),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["selfcheck_campaigns.id"]),
        sa.PrimaryKeyConstraint("campaign_id", "period"),
    )


def downgrade() -> None:
    op.drop_table("selfcheck_periods_closed")
