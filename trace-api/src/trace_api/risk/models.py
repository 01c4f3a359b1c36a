"""The risk engine's tables: where it stands in the log, its rules' state, and the warnings.

The cursor (the next ledger index to read) and every rule's state per group are written in the
transaction that records the warnings they raised, so a pass that fails leaves neither, and a
restart reads each record exactly once. A warning's row holds where its workflow stands; each step
is also a ledger record.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel


class WarningStatus(StrEnum):
    open = "open"  # raised, nobody assigned
    assigned = "assigned"  # a regulator organisation is to handle it
    handled = "handled"  # handled with a note, awaiting closing
    closed = "closed"


class RiskCursor(SQLModel, table=True):
    __tablename__ = "risk_cursor"

    name: str = Field(primary_key=True, max_length=40)
    next_index: int = Field(sa_column=Column(BigInteger, nullable=False))
    rules_version: str = Field(max_length=100)
    records_read: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    warnings_raised: int = Field(default=0)
    updated_at: dt.datetime


class RiskRuleState(SQLModel, table=True):
    __tablename__ = "risk_rule_states"

    rule_id: str = Field(primary_key=True, max_length=64)
    group_key: str = Field(primary_key=True, max_length=600)
    state: str = Field(sa_column=Column(Text, nullable=False))  # JSON


class RiskWarning(SQLModel, table=True):
    __tablename__ = "risk_warnings"
    __table_args__ = (Index("ix_risk_warnings_status_level", "status", "level"),)

    id: str = Field(primary_key=True, max_length=40)
    rule_id: str = Field(max_length=64)
    rule_version: int
    level: str = Field(max_length=10)
    title: str = Field(max_length=200)
    message: str = Field(max_length=500)
    group_key: str = Field(max_length=600)
    evidence: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of record ids
    org_id: str | None = Field(default=None, foreign_key="organisations.id", index=True)
    jurisdiction: str | None = Field(default=None, max_length=100)
    status: str = Field(default=WarningStatus.open, max_length=10)
    assignee_id: str | None = Field(default=None, foreign_key="organisations.id")
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_column=Column(BigInteger, nullable=False))
    raised_at: dt.datetime = Field(index=True)
    updated_at: dt.datetime
