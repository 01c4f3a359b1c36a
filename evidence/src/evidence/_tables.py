"""The ledger's SQL tables (SQLModel): records, perfect-subtree nodes, subjects, checkpoints, audits.

``ledger_nodes`` holds every perfect subtree hash, leaves (level 0) included, written once at
append time; proofs read O(log n) of them and appends write O(1) on average. The leaf hashes
are kept apart from the record bytes so that an audit can tell a changed record from a moved one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, Text
from sqlmodel import Field, SQLModel

# INTEGER on SQLite so that the leaf index is the rowid (one b-tree, not two); BIGINT elsewhere.
LeafIndex = BigInteger().with_variant(Integer(), "sqlite")


class LedgerMeta(SQLModel, table=True):
    __tablename__ = "ledger_meta"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))


class LedgerRecordRow(SQLModel, table=True):
    __tablename__ = "ledger_records"
    # Counts of one kind of record appended since a time (today's scans) read this index alone.
    __table_args__ = (Index("ix_ledger_records_kind_appended_at", "kind", "appended_at"),)

    idx: int = Field(sa_column=Column(LeafIndex, primary_key=True, autoincrement=False))
    record_id: str = Field(max_length=256, unique=True)
    kind: str = Field(max_length=64)
    time: str = Field(max_length=40)
    org: str = Field(max_length=128)
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    appended_at: dt.datetime


class LedgerNodeRow(SQLModel, table=True):
    __tablename__ = "ledger_nodes"
    __table_args__ = {"sqlite_with_rowid": False}

    level: int = Field(primary_key=True)
    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LedgerSubjectRow(SQLModel, table=True):
    __tablename__ = "ledger_subjects"
    # The primary key (type, id, idx) serves lookups by subject; no second index needed.
    __table_args__ = {"sqlite_with_rowid": False}

    subject_type: str = Field(primary_key=True, max_length=32)
    subject_id: str = Field(primary_key=True, max_length=512)
    idx: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))


class LedgerCheckpointRow(SQLModel, table=True):
    __tablename__ = "ledger_checkpoints"

    tree_size: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    root_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    note: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime
    anchor_tx: str | None = Field(default=None, max_length=66)
    anchor_block: int | None = Field(default=None, sa_column=Column(BigInteger))
    anchored_at: dt.datetime | None = None


class LedgerAuditRow(SQLModel, table=True):
    """One audit of the whole log: who started it, its progress while it runs, its report after."""

    __tablename__ = "ledger_audits"
    __table_args__ = (
        Index("ix_ledger_audits_started_at", "started_at", "id"),
        Index("ix_ledger_audits_finished_at", "finished_at"),
        Index("ix_ledger_audits_status", "status"),
    )

    id: str = Field(primary_key=True, max_length=32)
    #: running, then passed, failed, error (it could not finish) or interrupted.
    status: str = Field(max_length=16)
    started_by: str = Field(max_length=128)
    started_at: dt.datetime
    #: Written while it runs, by whichever process runs it: a running audit without a recent
    #: heartbeat was left behind by a process that stopped.
    heartbeat_at: dt.datetime
    finished_at: dt.datetime | None = None
    records_checked: int = Field(sa_column=Column(BigInteger, nullable=False))
    records_total: int = Field(sa_column=Column(BigInteger, nullable=False))
    report: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


RECORDS = LedgerRecordRow.__table__  # type: ignore[attr-defined]
NODES = LedgerNodeRow.__table__  # type: ignore[attr-defined]
SUBJECTS = LedgerSubjectRow.__table__  # type: ignore[attr-defined]
CHECKPOINTS = LedgerCheckpointRow.__table__  # type: ignore[attr-defined]
META = LedgerMeta.__table__  # type: ignore[attr-defined]
AUDITS = LedgerAuditRow.__table__  # type: ignore[attr-defined]
LEDGER_TABLES = [META, RECORDS, NODES, SUBJECTS, CHECKPOINTS, AUDITS]
