"""document holders; every existing document held by its uploader

Revision ID: b1a2c3d4e5f4
Revises: b1a2c3d4e5f3
Create Date: 2026-12-02 13:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "b1a2c3d4e5f4"
down_revision = "b1a2c3d4e5f3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_holders",
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("org_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("held_as", sa.Enum("uploaded", "shared", name="heldas"), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["sha256"], ["documents.sha256"]),
        sa.PrimaryKeyConstraint("sha256", "org_id"),
    )
    op.execute(
        "INSERT INTO document_holders (sha256, org_id, held_as, created_at) "
        "SELECT sha256, uploaded_by, 'uploaded', created_at FROM documents"
    )


def downgrade() -> None:
    op.drop_table("document_holders")
    sa.Enum(name="heldas").drop(op.get_bind(), checkfirst=True)
