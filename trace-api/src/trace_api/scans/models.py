"""Lot-level custody in motion (shipments), counterfeit signals raised by scans, and the outcome
of each scan a client sent with its scan_id (exactly-once sync)."""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

#: Why a scan was taken for a sign of counterfeit goods (``CounterfeitSignal.reason``).
SignalReason = Literal[
    "code_never_issued",  # no such code was ever issued: a made-up code
    "sold_twice",  # an item sold before: a copied (cloned) code
    "destroyed_item",  # an item recorded as destroyed, offered for sale
    "off_custody_path",  # a code scanned by an organisation its lot never reached
    "code_batch_mismatch",  # a code scanned as part of another lot than its own
]
SIGNAL_REASONS: tuple[str, ...] = get_args(SignalReason)
#: What became of a scan a client sent: recorded in the ledger, or refused with a problem.
ScanStatus = Literal["recorded", "refused"]


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
    # Counts by reason, all and since a time (the regulators' overview), read this index alone.
    __table_args__ = (Index("ix_counterfeit_signals_created_at_reason", "created_at", "reason"),)

    id: int | None = Field(default=None, primary_key=True)
    reason: str = Field(max_length=64)
    code: str | None = Field(default=None, max_length=512, index=True)
    batch_id: str | None = Field(default=None, max_length=64, index=True)
    org_id: str = Field(foreign_key="organisations.id")
    detail: str = Field(max_length=500)
    record_id: str = Field(max_length=256)
    created_at: dt.datetime


class ScanOutcome(SQLModel, table=True):
    """The first answer to a scan a client sent with its ``scan_id``, kept in the transaction of
    the scan's effects: a resent scan is answered this again and changes nothing."""

    __tablename__ = "scan_outcomes"

    scan_id: str = Field(primary_key=True, max_length=36)
    org_id: str = Field(foreign_key="organisations.id")
    #: SHA-256 of the scan's content and its organisation: the same scan_id with other content is reuse.
    content_sha256: str = Field(max_length=64)
    status: str = Field(max_length=16)
    #: The ledger record that answers a recorded scan (its own, or the first sale of a double beep).
    record_id: str | None = Field(default=None, max_length=256)
    record_index: int | None = None
    #: The domain error that refused the scan, as JSON (``errors.error_data``): its kind, slug,
    #: title, detail and members; the web layer answers it as an RFC 9457 problem.
    problem: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    #: When the server first received the scan (its scan time is in the record).
    received_at: dt.datetime
