"""recall lifts: who lifted a recall, when and why; the chain outbox's liftRecall operation

Revision ID: 27ca1fc87909
Revises: 776095fa4f73
Create Date: 2026-12-04 17:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "27ca1fc87909"
down_revision = "776095fa4f73"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recalls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lifted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("lifted_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(
            sa.Column("lift_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )
        batch_op.add_column(
            sa.Column("lift_record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True)
        )
        batch_op.create_foreign_key(
            "fk_recalls_lifted_by_organisations", "organisations", ["lifted_by"], ["id"]
        )
    # PostgreSQL keeps enums as types; SQLite stores the name in a VARCHAR long enough for "lift".
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TYPE chainoperation ADD VALUE IF NOT EXISTS 'lift'")


def downgrade() -> None:
    # The enum value stays: PostgreSQL cannot drop one, and no row uses it once the lifts are gone.
    op.execute("DELETE FROM chain_ops WHERE operation = 'lift'")
    with op.batch_alter_table("recalls", schema=None) as batch_op:
        batch_op.drop_constraint("fk_recalls_lifted_by_organisations", type_="foreignkey")
        batch_op.drop_column("lift_record_id")
        batch_op.drop_column("lift_reason")
        batch_op.drop_column("lifted_by")
        batch_op.drop_column("lifted_at")
