"""ledger tables

Revision ID: 0001
Revises:
Create Date: 2026-12-01 10:00:00.000000

Databases opened before the ledger had migrations hold some or all of these tables already
(created from the models as they are here): those are adopted as they stand, with their records.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# INTEGER on SQLite so that the leaf index is the rowid (one b-tree, not two); BIGINT elsewhere.
LEAF_INDEX = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, columns, options in _tables():
        if name not in existing:
            op.create_table(name, *columns, **options)


def downgrade() -> None:
    raise NotImplementedError("the evidence log is append-only: its tables are never dropped by a migration")


def _tables() -> list[tuple[str, list[sa.SchemaItem], dict[str, object]]]:
    no_rowid: dict[str, object] = {"sqlite_with_rowid": False}
    return [
        (
            "ledger_meta",
            [
                sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
                sa.Column("value", sa.Text(), nullable=False),
                sa.PrimaryKeyConstraint("key"),
            ],
            {},
        ),
        (
            "ledger_records",
            [
                sa.Column("idx", LEAF_INDEX, autoincrement=False, nullable=False),
                sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
                sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
                sa.Column("time", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
                sa.Column("org", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
                sa.Column("body", sa.LargeBinary(), nullable=False),
                sa.Column("appended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
                sa.PrimaryKeyConstraint("idx"),
                sa.UniqueConstraint("record_id"),
            ],
            {},
        ),
        (
            "ledger_nodes",
            [
                sa.Column("level", sa.Integer(), nullable=False),
                sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
                sa.Column("hash", sa.LargeBinary(), nullable=False),
                sa.PrimaryKeyConstraint("level", "idx"),
            ],
            no_rowid,
        ),
        (
            "ledger_subjects",
            [
                sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
                sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
                sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
                sa.PrimaryKeyConstraint("subject_type", "subject_id", "idx"),
            ],
            no_rowid,
        ),
        (
            "ledger_checkpoints",
            [
                sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
                sa.Column("root_hash", sa.LargeBinary(), nullable=False),
                sa.Column("note", sa.Text(), nullable=False),
                sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
                sa.Column("anchor_tx", sqlmodel.sql.sqltypes.AutoString(length=66), nullable=True),
                sa.Column("anchor_block", sa.BigInteger(), nullable=True),
                sa.Column("anchored_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
                sa.PrimaryKeyConstraint("tree_size"),
            ],
            {},
        ),
    ]
