"""Item codes (一品一码): one GS1 Digital Link URI per item, tied to its batch."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class CodeStatus(StrEnum):
    issued = "issued"
    sold = "sold"
    destroyed = "destroyed"


class ItemCode(SQLModel, table=True):
    __tablename__ = "item_codes"
    __table_args__ = (UniqueConstraint("gtin", "lot", "serial"),)

    id: int | None = Field(default=None, primary_key=True)
    gtin: str = Field(max_length=14)
    lot: str = Field(max_length=20)
    serial: str = Field(max_length=20, index=True)
    batch_id: str = Field(foreign_key="batches.id", index=True)
    status: CodeStatus = CodeStatus.issued
    issuance_record_id: str = Field(max_length=256)
    issued_at: dt.datetime
    sold_at: dt.datetime | None = None
