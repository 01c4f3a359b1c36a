"""Notices owed: one message to one organisation on one channel, recorded with the fact it tells."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel


class Channel(StrEnum):
    mqtt = "mqtt"
    webhook = "webhook"


class OwedNotice(SQLModel, table=True):
    """A message owed to one organisation on one channel (its MQTT topic, or one of its webhooks),
    written in the transaction of the fact it tells; a worker delivers it after commit, retrying
    with backoff until the channel accepts it, and never again after that."""

    __tablename__ = "notices_owed"
    __table_args__ = (Index("ix_notices_owed_due", "delivered_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    #: What happened, as the webhook's ``Suyuan-Event`` names it (``alert.opened``, …).
    event: str = Field(max_length=64)
    org_id: str = Field(foreign_key="organisations.id", index=True)
    channel: Channel
    webhook_id: int | None = Field(default=None, foreign_key="webhooks.id")
    target: str = Field(max_length=500, description="the webhook URL or the MQTT topic")
    #: The message (a JSON object), the same on every attempt.
    message: str = Field(sa_type=Text)
    #: The ledger record the notice tells of.
    record_id: str = Field(max_length=256)
    created_at: dt.datetime
    attempts: int = 0
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
