"""Webhooks organisations register to hear about recalls."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel


class Webhook(SQLModel, table=True):
    __tablename__ = "webhooks"

    id: int | None = Field(default=None, primary_key=True)
    org_id: str = Field(foreign_key="organisations.id", index=True)
    url: str = Field(max_length=500)
    secret: str = Field(max_length=100, description="HMAC-SHA256 key of the Suyuan-Signature header")
    created_at: dt.datetime
