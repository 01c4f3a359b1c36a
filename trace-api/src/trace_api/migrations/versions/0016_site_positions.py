"""site positions: organisations and devices may carry WGS-84 coordinates and an address (the map)

Revision ID: 5e1f0c2a7b34
Revises: 27ca1fc87909
Create Date: 2026-12-05 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "5e1f0c2a7b34"
down_revision = "27ca1fc87909"
branch_labels = None
depends_on = None

TABLES = ("organisations", "devices")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
            batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
            batch_op.add_column(
                sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("address")
            batch_op.drop_column("longitude")
            batch_op.drop_column("latitude")
