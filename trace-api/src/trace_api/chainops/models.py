"""The chain outbox: one row per ledger fact that must also go on chain, written in the fact's own
transaction and sent by the chain worker after commit."""

from __future__ import annotations

import datetime as dt
from enum import Enum, StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class ChainStatus(StrEnum):
    #: Committed, not yet sent.
    pending = "pending"
    #: Sent (or about to be): a worker that restarts looks on chain before it sends again.
    sending = "sending"
    #: Mined and successful.
    mined = "mined"
    #: The chain refused it (a revert): the reconciler reports or replays it.
    failed = "failed"


#: Statuses of an operation the chain may still be about to see.
UNFINISHED = (ChainStatus.pending, ChainStatus.sending)


class ChainOperation(Enum):
    """The contract call a fact makes (a plain enum: ``split`` is no ``str.split``): BatchRegistry's
    for lots, Membership's for a member's role."""

    register = "register"
    transfer = "transfer"
    split = "split"
    recall = "recall"
    revoke = "revoke"
    grant = "grant"


#: The operations that change a member's role rather than a lot.
MEMBERSHIP_OPERATIONS = (ChainOperation.revoke, ChainOperation.grant)


class ChainOp(SQLModel, table=True):
    """A ledger fact owed to the chain. Operations are sent one at a time in ``id`` order, which is
    commit order (every writer holds the writer lock), so a split is mined before its children move."""

    __tablename__ = "chain_ops"
    __table_args__ = (Index("ix_chain_ops_status_id", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    record_id: str = Field(max_length=256, unique=True)
    operation: ChainOperation
    #: The lot whose chain call it is (a split's parent); ``org:<id>`` for a member's role.
    batch_id: str = Field(max_length=64, index=True)
    #: JSON list of every lot the operation touches (a split's parent and children; none for a role).
    lots: str
    status: ChainStatus = Field(default=ChainStatus.pending)
    attempts: int = 0
    created_at: dt.datetime
    done_at: dt.datetime | None = None
    tx_hash: str | None = Field(default=None, max_length=66)
    block_number: int | None = None
    last_error: str | None = Field(default=None, max_length=500)


class ChainWorkerLease(SQLModel, table=True):
    """Which worker may send: one at a time across replicas, taken over once it expires."""

    __tablename__ = "chain_worker_lease"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=64)
    expires_at: dt.datetime
