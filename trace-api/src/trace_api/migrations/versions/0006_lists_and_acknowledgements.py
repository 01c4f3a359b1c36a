"""lists and acknowledgements: keyset-order indexes, acknowledgement corrections counted

Revision ID: b1a2c3d4e5f3
Revises: e644361556b9
Create Date: 2026-12-02 12:58:11.225945
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b1a2c3d4e5f3"
down_revision = "e644361556b9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.create_index("ix_batches_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_batches_lot", ["lot"], unique=False)

    with op.batch_alter_table("recall_notices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("acknowledgements", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    # a notice acknowledged before corrections existed has had exactly one acknowledgement
    op.execute("UPDATE recall_notices SET acknowledgements = 1 WHERE ack_record_id IS NOT NULL")

    with op.batch_alter_table("recalls", schema=None) as batch_op:
        batch_op.create_index("ix_recalls_issued_at_id", ["issued_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recalls", schema=None) as batch_op:
        batch_op.drop_index("ix_recalls_issued_at_id")

    with op.batch_alter_table("recall_notices", schema=None) as batch_op:
        batch_op.drop_column("acknowledgements")

    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index("ix_batches_lot")
        batch_op.drop_index("ix_batches_created_at_id")
