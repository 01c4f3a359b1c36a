"""food producers (食品生产企业): an organisation type, for self-inspection's food production industry

Revision ID: 9e4f0b2c6a31
Revises: 5c2a8e61d7f4
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "9e4f0b2c6a31"
down_revision = "5c2a8e61d7f4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite stores the type as text without a check: only PostgreSQL's enum needs the value.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TYPE orgtype ADD VALUE IF NOT EXISTS 'producer'")


def downgrade() -> None:
    # PostgreSQL cannot drop an enum's value: the type stays, unused.
    pass
