"""filings: small food business filings (三小一摊), their materials and their daily inspections

Revision ID: ec2e3376d339
Revises: a646edab751e
Create Date: 2026-12-05 00:04:09.290353
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "ec2e3376d339"
down_revision = "a646edab751e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "filings",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("business_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("business_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("division_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("jurisdiction", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("operator_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("operator_id_number", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.Column("uscc", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("categories", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=False),
        sa.Column("applicant_org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("query_code_hash", sa.LargeBinary(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("accepted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("certificate_no", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.Column("decision_record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.ForeignKeyConstraint(
            ["applicant_org_id"],
            ["organisations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["organisations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("certificate_no"),
    )
    with op.batch_alter_table("filings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_filings_applicant_org_id"), ["applicant_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_filings_jurisdiction"), ["jurisdiction"], unique=False)
        batch_op.create_index("ix_filings_status_time", ["status", "submitted_at"], unique=False)
        batch_op.create_index("ix_filings_time", ["submitted_at", "id"], unique=False)

    op.create_table(
        "filing_inspections",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("filing_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("photo_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("org_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("inspected_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["filing_id"],
            ["filings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["photo_sha256"],
            ["documents.sha256"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("filing_inspections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_filing_inspections_filing_time", ["filing_id", "inspected_at"], unique=False
        )

    op.create_table(
        "filing_materials",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("filing_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("supplement", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["filing_id"],
            ["filings.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("filing_materials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_filing_materials_filing_id"), ["filing_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("filing_materials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_filing_materials_filing_id"))

    op.drop_table("filing_materials")
    with op.batch_alter_table("filing_inspections", schema=None) as batch_op:
        batch_op.drop_index("ix_filing_inspections_filing_time")

    op.drop_table("filing_inspections")
    with op.batch_alter_table("filings", schema=None) as batch_op:
        batch_op.drop_index("ix_filings_time")
        batch_op.drop_index("ix_filings_status_time")
        batch_op.drop_index(batch_op.f("ix_filings_jurisdiction"))
        batch_op.drop_index(batch_op.f("ix_filings_applicant_org_id"))

    op.drop_table("filings")
