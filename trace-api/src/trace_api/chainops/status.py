"""Where a lot's facts stand on chain: pending until the chain worker has mined every one."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlmodel import Session, col, func, select

from .models import UNFINISHED, ChainOp, ChainStatus


def ops_about(session: Session, batch_id: str, parent_id: str | None = None) -> list[ChainOp]:
    """The chain operations that touch the lot (its own, and the split that made it)."""
    ids = [batch_id] if parent_id is None else [batch_id, parent_id]
    rows = session.exec(select(ChainOp).where(col(ChainOp.batch_id).in_(ids)).order_by(col(ChainOp.id)))
    return [op for op in rows if op.batch_id == batch_id or batch_id in json.loads(op.lots)]


def lot_chain_status(session: Session, batch_id: str, parent_id: str | None = None) -> dict[str, Any]:
    """``pending`` while any fact about the lot is still to be mined, ``failed`` when the chain
    refused one, else ``confirmed``; with the newest mined transaction."""
    ops = ops_about(session, batch_id, parent_id)
    mined = [op for op in ops if op.status is ChainStatus.mined]
    if any(op.status in UNFINISHED for op in ops):
        status = "pending"
    elif any(op.status is ChainStatus.failed for op in ops):
        status = "failed"
    else:
        status = "confirmed"
    return {
        "status": status,
        "pending": sum(op.status in UNFINISHED for op in ops),
        "tx_hash": mined[-1].tx_hash if mined else None,
        "block_number": mined[-1].block_number if mined else None,
    }


def record_chain_status(session: Session, record_id: str) -> dict[str, Any] | None:
    """The chain status of one fact, or None for facts that make no chain call."""
    op = session.exec(select(ChainOp).where(ChainOp.record_id == record_id)).first()
    if op is None:
        return None
    return {
        "status": _public_status(op.status),
        "tx_hash": op.tx_hash,
        "block_number": op.block_number,
        "error": op.last_error,
    }


def unfinished_lots(session: Session) -> set[str]:
    """Every lot an operation still to be mined touches: the chain may not show it yet."""
    rows = session.exec(select(ChainOp.lots).where(col(ChainOp.status).in_(UNFINISHED)))
    return {lot for lots in rows for lot in json.loads(lots)}


def outbox_state(session: Session) -> tuple[int, dt.datetime | None, int]:
    """(operations still to be mined, when the oldest of them was owed, operations refused)."""
    unfinished = col(ChainOp.status).in_(UNFINISHED)
    waiting, oldest = session.exec(select(func.count(), func.min(ChainOp.created_at)).where(unfinished)).one()
    failed = session.exec(
        select(func.count()).select_from(ChainOp).where(ChainOp.status == ChainStatus.failed)
    ).one()
    return int(waiting), oldest, int(failed)


def chain_statuses(session: Session, record_ids: list[str]) -> dict[str, str]:
    """``pending``, ``confirmed`` or ``failed`` for each of the records that make a chain call."""
    if not record_ids:
        return {}
    rows = session.exec(select(ChainOp).where(col(ChainOp.record_id).in_(record_ids)))
    return {op.record_id: _public_status(op.status) for op in rows}


def _public_status(status: ChainStatus) -> str:
    if status in UNFINISHED:
        return "pending"
    return "confirmed" if status is ChainStatus.mined else "failed"
