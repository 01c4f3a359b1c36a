"""Where the evidence ledger lives and how often it is anchored (environment prefix ``SUYUAN_``),
on top of the chain's settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from chain import Settings

from ._db import sqlite_url


class LedgerSettings(Settings):
    """The ledger's database, its origin and signing key, and the anchorer's pace."""

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; unset: SQLite at <data_dir>/suyuan.db (WAL, synchronous=FULL)",
    )
    ledger_origin: str = Field(
        default="suyuan.local/evidence",
        pattern=r"^[a-zA-Z0-9.\-]+(/[a-zA-Z0-9.\-_]+)*$",
        description="The log's origin line (C2SP checkpoint); its keccak256 is the on-chain log id",
    )
    db_lock_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long a write waits for the database's writer lock before the API answers 503",
    )
    anchor_every_records: int = Field(default=1000, ge=1, description="Anchor after this many new records")
    anchor_every_seconds: float = Field(
        default=5.0, gt=0, description="...or this long after the last checkpoint"
    )

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir / "suyuan.db")

    @property
    def ledger_key_file(self) -> Path:
        return self.data_dir / "ledger" / "checkpoint-signer.pem"
