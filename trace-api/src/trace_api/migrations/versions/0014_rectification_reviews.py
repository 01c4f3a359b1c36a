"""rectification reviews: a regulator accepts (closes) or rejects (reopens) each rectification, so an
incident may have several rectifications; incidents gain closed_at and a time index for paging

Revision ID: 776095fa4f73
Revises: 6ef3530fc07a
Create Date: 2026-12-04 17:23:24.185279
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "776095fa4f73"
down_revision = "6ef3530fc07a"
branch_labels = None
depends_on = None

#: SQLite keeps the unique constraint of 0005 unnamed; batch mode names it by this convention.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
#: PostgreSQL's default name for the same constraint.
_POSTGRES_UNIQUE = "kitchen_rectifications_incident_id_key"


def upgrade() -> None:
    op.create_table(
        "kitchen_rectification_reviews",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("rectification_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("incident_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["kitchen_incidents.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"]),
        sa.ForeignKeyConstraint(["rectification_id"], ["kitchen_rectifications.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rectification_id"),
    )
    with op.batch_alter_table("kitchen_rectification_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kitchen_rectification_reviews_incident_id"), ["incident_id"], unique=False
        )

    with op.batch_alter_table("kitchen_incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_kitchen_incidents_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index("ix_kitchen_incidents_time", ["detected_at", "id"], unique=False)

    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "kitchen_rectifications", schema=None, naming_convention=_SQLITE_NAMES if sqlite else None
    ) as batch_op:
        unique = "uq_kitchen_rectifications_incident_id" if sqlite else _POSTGRES_UNIQUE
        batch_op.drop_constraint(unique, type_="unique")
        batch_op.create_index(
            batch_op.f("ix_kitchen_rectifications_incident_id"), ["incident_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("kitchen_rectifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kitchen_rectifications_incident_id"))
        batch_op.create_unique_constraint(_POSTGRES_UNIQUE, ["incident_id"])

    with op.batch_alter_table("kitchen_incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_kitchen_incidents_time")
        batch_op.drop_index(batch_op.f("ix_kitchen_incidents_closed_at"))
        batch_op.drop_column("closed_at")

    with op.batch_alter_table("kitchen_rectification_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kitchen_rectification_reviews_incident_id"))

    op.drop_table("kitchen_rectification_reviews")
