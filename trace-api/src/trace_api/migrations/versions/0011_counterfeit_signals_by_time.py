"""counterfeit signals by time and reason: the regulators' overview counts them from this index

Revision ID: 9508d6a0d821
Revises: b1a2c3d4e5f7
Create Date: 2026-12-04 17:11:26.519198
"""

from __future__ import annotations

from alembic import op

revision = "9508d6a0d821"
down_revision = "b1a2c3d4e5f7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("counterfeit_signals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_counterfeit_signals_created_at_reason", ["created_at", "reason"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("counterfeit_signals", schema=None) as batch_op:
        batch_op.drop_index("ix_counterfeit_signals_created_at_reason")
