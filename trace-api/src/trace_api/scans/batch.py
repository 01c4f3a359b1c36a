"""``POST /v1/scans:batch``: an offline scanner's queue synced in batches, each scan exactly once.

A batch holds 1 to :data:`MAX_SCAN_BATCH` scans, each the body of ``POST /v1/scans`` with its
``scan_id`` (the idempotency key the scanner made) and its ``time`` (when it was scanned: offline
scans keep it). Each scan is checked and applied on its own (see :mod:`.outcomes`), in the order
sent, in one write transaction that commits before the answer goes out; the answer (which the
web layer writes, with each refusal as a problem) has one result per scan, in the same order:
recorded or refused, both final, with ``duplicate: true`` for a scan answered before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session

from evidence import Timestamp

from ..chainops.status import chain_statuses
from ..errors import TooLarge, Unprocessable
from ..orgs.service import Member
from ..services import Services
from .outcomes import ScanSync, SyncedScan
from .service import ScanIn

#: The most scans one batch may carry; a scanner sends a longer queue in several batches.
MAX_SCAN_BATCH = 2000


class SyncedScanIn(ScanIn):
    """A scan from a scanner's queue: as ``POST /v1/scans`` takes it, with its id and time required."""

    scan_id: str = Field(description="UUID the scanner made when the scan happened; resending it is harmless")
    time: Timestamp = Field(description="RFC 3339 time of the scan, with offset (kept as sent)")


class ScanBatchIn(BaseModel):
    scans: list[Any] = Field(
        description=f"1 to {MAX_SCAN_BATCH:,} scans, each a POST /v1/scans body with scan_id and time; "
        "each is checked on its own"
    )


@dataclass(frozen=True)
class CheckedBatch:
    """A batch as received: when, and each scan checked (the scan, or its refusal)."""

    received_at: dt.datetime
    scans: list[SyncedScanIn | SyncedScan]


def checked_batch(batch: ScanBatchIn) -> CheckedBatch:
    """Each scan of the batch checked on its own; the batch itself must hold 1 to
    :data:`MAX_SCAN_BATCH` scans."""
    if not batch.scans:
        raise Unprocessable.field("scans", "send at least one scan")
    if len(batch.scans) > MAX_SCAN_BATCH:
        raise TooLarge.field(
            "scans",
            f"{len(batch.scans):,} scans: send at most {MAX_SCAN_BATCH:,} at once, the rest in later batches",
        )
    received_at = dt.datetime.now(dt.UTC)
    return CheckedBatch(received_at, [_checked(raw, received_at) for raw in batch.scans])


def _checked(raw: Any, received_at: dt.datetime) -> SyncedScanIn | SyncedScan:
    try:
        return SyncedScanIn.model_validate(raw)
    except ValidationError as exc:
        errors = [{"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()]
        detail = "; ".join(f"{e['field'] or 'scan'}: {e['reason']}" for e in errors)
        scan_id = raw.get("scan_id") if isinstance(raw, dict) else None
        return SyncedScan(
            scan_id if isinstance(scan_id, str) else None,
            "refused",
            False,
            received_at,
            refusal=Unprocessable(detail, errors=errors),
        )


@dataclass(frozen=True)
class SyncedBatch:
    """What each scan of a batch came to, in the order sent, and where each scan recorded before
    stands on chain (by record id)."""

    scans: list[SyncedScan]
    chain: dict[str, str]


def sync_batch(services: Services, session: Session, member: Member, batch: CheckedBatch) -> SyncedBatch:
    """Applies the batch's scans in order, each once."""
    sync = ScanSync(
        services, session, member, [s for s in batch.scans if isinstance(s, SyncedScanIn)], batch.received_at
    )
    synced = [scan if isinstance(scan, SyncedScan) else sync.sync(scan) for scan in batch.scans]
    sync.keep()
    chain = chain_statuses(session, [s.record["record_id"] for s in synced if s.duplicate and s.record])
    return SyncedBatch(synced, chain)
