"""Recalls and the notices each holder receives and acknowledges."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class RecallClass(StrEnum):
    I = "I"  # noqa: E741 - the regulators' own class names
    II = "II"
    III = "III"


class RecallStatus(StrEnum):
    active = "active"  # in force
    lifted = "lifted"  # a regulator lifted it


class Recall(SQLModel, table=True):
    __tablename__ = "recalls"
    __table_args__ = (Index("ix_recalls_issued_at_id", "issued_at", "id"),)

    id: str = Field(primary_key=True, max_length=32)
    batch_id: str = Field(foreign_key="batches.id", index=True)
    reason: str = Field(max_length=500)
    recall_class: RecallClass
    issued_by: str = Field(foreign_key="organisations.id")
    issued_at: dt.datetime
    record_id: str = Field(max_length=256)
    chain_tx: str | None = Field(default=None, max_length=66)
    scope: str = Field(description="JSON list of the batch ids the recall covers")
    #: Set once, when a regulator lifts the recall (``recall.lifted`` in the ledger); never cleared.
    lifted_at: dt.datetime | None = None
    lifted_by: str | None = Field(default=None, foreign_key="organisations.id")
    lift_reason: str | None = Field(default=None, max_length=500)
    lift_record_id: str | None = Field(default=None, max_length=256)


class RecallNotice(SQLModel, table=True):
    __tablename__ = "recall_notices"

    id: int | None = Field(default=None, primary_key=True)
    recall_id: str = Field(foreign_key="recalls.id", index=True)
    org_id: str = Field(foreign_key="organisations.id", index=True)
    batch_ids: str = Field(description="JSON list of the recalled batches this organisation holds")
    quantity: float
    item_codes: int
    notified_via: str = Field(max_length=200, description="how each channel (MQTT, webhooks) went")
    notified_at: dt.datetime
    acknowledged_at: dt.datetime | None = None
    quantity_quarantined: float | None = None
    ack_record_id: str | None = Field(
        default=None, max_length=256, description="the latest acknowledgement; each supersedes the last"
    )
    acknowledgements: int = Field(default=0, description="how many this holder sent; the latest counts")


class NoticeChannel(StrEnum):
    mqtt = "mqtt"
    webhook = "webhook"


class NoticeDelivery(SQLModel, table=True):
    """One notice owed to one holder on one channel, recorded with the recall; a worker delivers it
    after commit, retrying with backoff until it is accepted, and never again after that."""

    __tablename__ = "recall_deliveries"
    __table_args__ = (Index("ix_recall_deliveries_due", "delivered_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="recall_notices.id", index=True)
    channel: NoticeChannel
    webhook_id: int | None = Field(default=None, foreign_key="webhooks.id")
    target: str = Field(max_length=500, description="the webhook URL or the MQTT topic")
    attempts: int = 0
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
