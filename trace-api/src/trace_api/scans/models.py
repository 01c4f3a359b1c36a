"""Lot-level custody in motion (shipments) and counterfeit signals raised by scans."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel


class Shipment(SQLModel, table=True):
    __tablename__ = "shipments"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: str = Field(foreign_key="batches.id", index=True)
    from_org_id: str = Field(foreign_key="organisations.id", index=True)
    to_org_id: str = Field(foreign_key="organisations.id", index=True)
    ship_record_id: str = Field(max_length=256)
    receive_record_id: str | None = Field(default=None, max_length=256)
    shipped_at: str = Field(max_length=40)
    received_at: str | None = Field(default=None, max_length=40)
    chain_tx: str | None = Field(default=None, max_length=66)


class CounterfeitSignal(SQLModel, table=True):
    __tablename__ = "counterfeit_signals"

    id: int | None = Field(default=None, primary_key=True)
    reason: str = Field(max_length=64)
    code: str | None = Field(default=None, max_length=512, index=True)
    batch_id: str | None = Field(default=None, max_length=64, index=True)
    org_id: str = Field(foreign_key="organisations.id")
    detail: str = Field(max_length=500)
    record_id: str = Field(max_length=256)
    created_at: dt.datetime
