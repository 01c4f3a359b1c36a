"""scan outcomes: each scan a client sent with its scan_id, recorded or refused, answered once

Revision ID: 8c3d5e7f9a12
Revises: 5e1f0c2a7b34
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "8c3d5e7f9a12"
down_revision = "5e1f0c2a7b34"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scan_outcomes",
        sa.Column("scan_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("content_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("record_index", sa.Integer(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.PrimaryKeyConstraint("scan_id"),
    )


def downgrade() -> None:
    op.drop_table("scan_outcomes")
