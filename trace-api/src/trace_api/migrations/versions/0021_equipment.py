"""special equipment: grid areas, elevators, maintenance contracts, inspections, maintenance
visits, fault reports and monitor events

Revision ID: 909fffeae172
Revises: 392c6a14d6bd
Create Date: 2026-12-05 00:32:15.641608
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "909fffeae172"
down_revision = "392c6a14d6bd"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "equipment_grids",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("regulator_org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("inspector", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["regulator_org_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("equipment_grids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_equipment_grids_regulator_org_id"), ["regulator_org_id"], unique=False
        )

    op.create_table(
        "equipment",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("registration_number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("user_org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("maintainer_org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("grid_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("registered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_maintained_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("due_from", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("inspection_valid_until", sa.Date(), nullable=True),
        sa.Column("fault_since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("fault_event", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("event_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reminded_for", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("escalated_for", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grid_id"],
            ["equipment_grids.id"],
        ),
        sa.ForeignKeyConstraint(
            ["maintainer_org_id"],
            ["organisations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_org_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("registration_number"),
    )
    with op.batch_alter_table("equipment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_equipment_due_from"), ["due_from"], unique=False)
        batch_op.create_index(batch_op.f("ix_equipment_fault_since"), ["fault_since"], unique=False)
        batch_op.create_index("ix_equipment_grid_code", ["grid_id", "code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_equipment_maintainer_org_id"), ["maintainer_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_equipment_user_org_id"), ["user_org_id"], unique=False)

    op.create_table(
        "equipment_contracts",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("equipment_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("maintainer_org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["maintainer_org_id"],
            ["organisations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("equipment_contracts", schema=None) as batch_op:
        batch_op.create_index("ix_equipment_contracts_term", ["equipment_id", "ends_on"], unique=False)

    op.create_table(
        "equipment_events",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("equipment_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("event", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("fault_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("happened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reading_record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
        ),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("equipment_events", schema=None) as batch_op:
        batch_op.create_index("ix_equipment_events_time", ["equipment_id", "happened_at"], unique=False)

    op.create_table(
        "equipment_fault_reports",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("equipment_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("problem", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("contact", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("client_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("equipment_fault_reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_equipment_fault_reports_client", ["client_key", "received_at"], unique=False
        )
        batch_op.create_index(
            "ix_equipment_fault_reports_time", ["equipment_id", "received_at"], unique=False
        )

    op.create_table(
        "equipment_inspections",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("equipment_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("certificate_number", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("equipment_inspections", schema=None) as batch_op:
        batch_op.create_index("ix_equipment_inspections_time", ["equipment_id", "inspected_on"], unique=False)

    op.create_table(
        "equipment_maintenance",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("equipment_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("technician", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("items", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("photos", sqlmodel.sql.sqltypes.AutoString(length=1400), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("too_far", sa.Boolean(), nullable=False),
        sa.Column("performed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("equipment_maintenance", schema=None) as batch_op:
        batch_op.create_index(
            "ix_equipment_maintenance_time", ["equipment_id", "performed_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("equipment_maintenance", schema=None) as batch_op:
        batch_op.drop_index("ix_equipment_maintenance_time")

    op.drop_table("equipment_maintenance")
    with op.batch_alter_table("equipment_inspections", schema=None) as batch_op:
        batch_op.drop_index("ix_equipment_inspections_time")

    op.drop_table("equipment_inspections")
    with op.batch_alter_table("equipment_fault_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_equipment_fault_reports_time")
        batch_op.drop_index("ix_equipment_fault_reports_client")

    op.drop_table("equipment_fault_reports")
    with op.batch_alter_table("equipment_events", schema=None) as batch_op:
        batch_op.drop_index("ix_equipment_events_time")

    op.drop_table("equipment_events")
    with op.batch_alter_table("equipment_contracts", schema=None) as batch_op:
        batch_op.drop_index("ix_equipment_contracts_term")

    op.drop_table("equipment_contracts")
    with op.batch_alter_table("equipment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_equipment_user_org_id"))
        batch_op.drop_index(batch_op.f("ix_equipment_maintainer_org_id"))
        batch_op.drop_index("ix_equipment_grid_code")
        batch_op.drop_index(batch_op.f("ix_equipment_fault_since"))
        batch_op.drop_index(batch_op.f("ix_equipment_due_from"))

    op.drop_table("equipment")
    with op.batch_alter_table("equipment_grids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_equipment_grids_regulator_org_id"))

    op.drop_table("equipment_grids")
