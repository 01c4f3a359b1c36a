"""epcis events keep the eventID their capturing application declared, indexed to find them by it

Revision ID: 5d1c0a7e22b4
Revises: 909fffeae172
Create Date: 2026-12-08 09:00:00.000000
"""

from __future__ import annotations

import json

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "5d1c0a7e22b4"
down_revision = "909fffeae172"
branch_labels = None
depends_on = None

MAX_DECLARED = 300


def upgrade() -> None:
    with op.batch_alter_table("epcis_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "declared_event_id", sqlmodel.sql.sqltypes.AutoString(length=MAX_DECLARED), nullable=True
            )
        )
        batch_op.create_index(
            batch_op.f("ix_epcis_events_declared_event_id"), ["declared_event_id"], unique=False
        )
    _fill_from_bodies()


def _fill_from_bodies() -> None:
    """Events captured before keep their declared eventID in their stored body: copy it out."""
    connection = op.get_bind()
    events = sa.table(
        "epcis_events",
        sa.column("event_id", sa.String),
        sa.column("body", sa.Text),
        sa.column("declared_event_id"),
    )
    declaring = sa.select(events.c.event_id, events.c.body).where(events.c.body.like('%"eventID"%'))
    rows = connection.execute(declaring).all()
    for event_id, body in rows:
        declared = json.loads(body).get("eventID")
        if isinstance(declared, str) and declared != event_id and len(declared) <= MAX_DECLARED:
            connection.execute(
                events.update().where(events.c.event_id == event_id).values(declared_event_id=declared)
            )


def downgrade() -> None:
    with op.batch_alter_table("epcis_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_events_declared_event_id"))
        batch_op.drop_column("declared_event_id")
