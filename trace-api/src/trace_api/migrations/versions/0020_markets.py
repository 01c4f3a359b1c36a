"""farmers' markets: markets, stalls, vendors with their licences, suppliers, rentals, the purchase
ledger, rapid tests, disposals and the recheck scale's weighings

Revision ID: 392c6a14d6bd
Revises: ec2e3376d339
Create Date: 2026-12-05 00:05:42.732379
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "392c6a14d6bd"
down_revision = "ec2e3376d339"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "market_suppliers",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("vendor_org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("role", sa.Enum("supplier", "distributor", name="supplierrole"), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("uscc", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
        sa.Column("id_number", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
        sa.Column("contact", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["vendor_org_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("market_suppliers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_market_suppliers_vendor_org_id"), ["vendor_org_id"], unique=False
        )

    op.create_table(
        "markets",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("handle", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("operator_org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_org_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("handle"),
    )
    with op.batch_alter_table("markets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_markets_operator_org_id"), ["operator_org_id"], unique=False)

    op.create_table(
        "market_stalls",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("market_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "vegetables",
                "fruit",
                "meat",
                "poultry_eggs",
                "aquatic",
                "grain_oil",
                "dry_goods",
                "cooked",
                "other",
                name="stallcategory",
            ),
            nullable=False,
        ),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("market_id", "code"),
    )
    with op.batch_alter_table("market_stalls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_market_stalls_market_id"), ["market_id"], unique=False)

    op.create_table(
        "market_vendors",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("market_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("business_licence", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("business_licence_expires_on", sa.Date(), nullable=True),
        sa.Column("food_licence", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("food_licence_expires_on", sa.Date(), nullable=True),
        sa.Column("registered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("market_id", "org_id"),
    )
    with op.batch_alter_table("market_vendors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_market_vendors_market_id"), ["market_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_market_vendors_org_id"), ["org_id"], unique=False)

    op.create_table(
        "market_purchases",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("market_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("stall_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("vendor_org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("product", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("batch_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("lot_code", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column("supplier_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("ticket_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("certificate_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum("on_sale", "blocked", "destroyed", "returned", name="purchasestatus"),
            nullable=False,
        ),
        sa.Column("disposal_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batches.id"],
        ),
        sa.ForeignKeyConstraint(
            ["certificate_sha256"],
            ["documents.sha256"],
        ),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stall_id"],
            ["market_stalls.id"],
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["market_suppliers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_sha256"],
            ["documents.sha256"],
        ),
        sa.ForeignKeyConstraint(
            ["vendor_org_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("market_purchases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_market_purchases_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_market_purchases_disposal_id"), ["disposal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_market_purchases_market_id"), ["market_id"], unique=False)
        batch_op.create_index("ix_market_purchases_stall_product", ["stall_id", "product"], unique=False)
        batch_op.create_index("ix_market_purchases_stall_time", ["stall_id", "created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_market_purchases_vendor_org_id"), ["vendor_org_id"], unique=False
        )

    op.create_table(
        "market_rapid_tests",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("market_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("stall_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sample", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("product", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("tested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
        ),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stall_id"],
            ["market_stalls.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("market_rapid_tests", schema=None) as batch_op:
        batch_op.create_index("ix_market_rapid_tests_market_time", ["market_id", "tested_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_market_rapid_tests_stall_id"), ["stall_id"], unique=False)

    op.create_table(
        "market_rentals",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("stall_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("vendor_org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["stall_id"],
            ["market_stalls.id"],
        ),
        sa.ForeignKeyConstraint(
            ["vendor_org_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("market_rentals", schema=None) as batch_op:
        batch_op.create_index("ix_market_rentals_stall_days", ["stall_id", "starts_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_market_rentals_vendor_org_id"), ["vendor_org_id"], unique=False)

    op.create_table(
        "market_weighings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("market_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("stall_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("vendor_org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("product", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("declared_kg", sa.Float(), nullable=False),
        sa.Column("measured_kg", sa.Float(), nullable=False),
        sa.Column("unit_price", sa.Float(), nullable=True),
        sa.Column("tolerance_kg", sa.Float(), nullable=False),
        sa.Column("short", sa.Boolean(), nullable=False),
        sa.Column("weighed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
        ),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stall_id"],
            ["market_stalls.id"],
        ),
        sa.ForeignKeyConstraint(
            ["vendor_org_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("market_weighings", schema=None) as batch_op:
        batch_op.create_index("ix_market_weighings_market_time", ["market_id", "weighed_at"], unique=False)
        batch_op.create_index(
            "ix_market_weighings_stall_product", ["stall_id", "product", "weighed_at"], unique=False
        )

    op.create_table(
        "market_disposals",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("market_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rapid_test_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("stall_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("vendor_org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("product", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("status", sa.Enum("open", "destroyed", "returned", name="disposalstatus"), nullable=False),
        sa.Column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("open_record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("alert_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("completed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("evidence_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("completed_key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("close_record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.ForeignKeyConstraint(
            ["evidence_sha256"],
            ["documents.sha256"],
        ),
        sa.ForeignKeyConstraint(
            ["market_id"],
            ["markets.id"],
        ),
        sa.ForeignKeyConstraint(
            ["rapid_test_id"],
            ["market_rapid_tests.id"],
        ),
        sa.ForeignKeyConstraint(
            ["stall_id"],
            ["market_stalls.id"],
        ),
        sa.ForeignKeyConstraint(
            ["vendor_org_id"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rapid_test_id"),
    )
    with op.batch_alter_table("market_disposals", schema=None) as batch_op:
        batch_op.create_index("ix_market_disposals_market_time", ["market_id", "opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_market_disposals_stall_id"), ["stall_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_market_disposals_vendor_org_id"), ["vendor_org_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("market_disposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_disposals_vendor_org_id"))
        batch_op.drop_index(batch_op.f("ix_market_disposals_stall_id"))
        batch_op.drop_index("ix_market_disposals_market_time")

    op.drop_table("market_disposals")
    with op.batch_alter_table("market_weighings", schema=None) as batch_op:
        batch_op.drop_index("ix_market_weighings_stall_product")
        batch_op.drop_index("ix_market_weighings_market_time")

    op.drop_table("market_weighings")
    with op.batch_alter_table("market_rentals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_rentals_vendor_org_id"))
        batch_op.drop_index("ix_market_rentals_stall_days")

    op.drop_table("market_rentals")
    with op.batch_alter_table("market_rapid_tests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_rapid_tests_stall_id"))
        batch_op.drop_index("ix_market_rapid_tests_market_time")

    op.drop_table("market_rapid_tests")
    with op.batch_alter_table("market_purchases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_purchases_vendor_org_id"))
        batch_op.drop_index("ix_market_purchases_stall_time")
        batch_op.drop_index("ix_market_purchases_stall_product")
        batch_op.drop_index(batch_op.f("ix_market_purchases_market_id"))
        batch_op.drop_index(batch_op.f("ix_market_purchases_disposal_id"))
        batch_op.drop_index(batch_op.f("ix_market_purchases_batch_id"))

    op.drop_table("market_purchases")
    with op.batch_alter_table("market_vendors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_vendors_org_id"))
        batch_op.drop_index(batch_op.f("ix_market_vendors_market_id"))

    op.drop_table("market_vendors")
    with op.batch_alter_table("market_stalls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_stalls_market_id"))

    op.drop_table("market_stalls")
    with op.batch_alter_table("markets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_markets_operator_org_id"))

    op.drop_table("markets")
    with op.batch_alter_table("market_suppliers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_market_suppliers_vendor_org_id"))

    op.drop_table("market_suppliers")
    for enum in ("disposalstatus", "purchasestatus", "stallcategory", "supplierrole"):
        sa.Enum(name=enum).drop(op.get_bind(), checkfirst=True)
