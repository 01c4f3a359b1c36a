"""``GET /v1/scans``: the scans recorded, newest first: every organisation's for a regulator, an
organisation's own (those it scanned) for anyone else.

Scans are read from the ledger, where each is one record (``scan.ship``, ``scan.receive``,
``batch.split``, ``scan.sell``, ``scan.destroy``): through its (kind, appended_at) index, so a
page costs the same on a log of millions of records as on a small one (see
:meth:`evidence.Ledger.latest`). ``since`` is when the scan was recorded (a scan an offline scanner
syncs today counts today, as in the regulators' overview); ``time`` is when it was scanned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from evidence import StoredRecord, UnknownRecord

from .._paging import decode_cursor, page_of, since_bound, unknown_cursor
from ..batches.models import Batch
from ..facts import BatchSplit, DestroyScanned, ReceiveScanned, Scan, SellScanned, ShipScanned
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..services import Services
from .service import Action

#: Each scan action and the fact (ledger record kind) one such scan appends.
SCAN_FACTS: dict[str, type[Scan]] = {
    "ship": ShipScanned,
    "receive": ReceiveScanned,
    "split": BatchSplit,
    "sell": SellScanned,
    "destroy": DestroyScanned,
}


@dataclass(frozen=True)
class ScanFilter:
    action: Action | None = None
    since: dt.datetime | None = None  # aware: recorded at or after
    batch_id: str | None = None  # scans about this lot (a split also about the lots it made)


def list_scans(
    services: Services, session: Session, member: Member, wanted: ScanFilter, limit: int, cursor: str | None
) -> dict[str, Any]:
    facts = [SCAN_FACTS[wanted.action]] if wanted.action is not None else list(SCAN_FACTS.values())
    records = services.ledger.latest(
        [fact.KIND for fact in facts],
        limit=limit + 1,
        since=since_bound(wanted.since),
        org=None if member.org.org_type is OrgType.regulator else member.org.uscc,
        subject=("batch", wanted.batch_id) if wanted.batch_id is not None else None,
        after=_after(services, cursor),
        conn=session.connection(),
    )
    page, next_cursor = page_of(records, limit, lambda stored: str(stored.index))
    scans = [(stored, _fact(stored)) for stored in page]
    handles = _handles(session, {stored.record().actor.org for stored in page})
    lots = _lots(session, {fact.batch_id for _, fact in scans})
    return {
        "scans": [_describe(stored, fact, handles, lots) for stored, fact in scans],
        "next_cursor": next_cursor,
    }


def _after(services: Services, cursor: str | None) -> int | None:
    """The index of the previous page's last scan, from the cursor this list handed out."""
    if cursor is None:
        return None
    key = decode_cursor(cursor)
    if not (key.isascii() and key.isdigit() and len(key) <= 18):
        raise unknown_cursor()
    try:
        stored = services.ledger.at(int(key))
    except UnknownRecord as exc:
        raise unknown_cursor() from exc
    if stored.kind not in {fact.KIND for fact in SCAN_FACTS.values()}:
        raise unknown_cursor()
    return stored.index


def _fact(stored: StoredRecord) -> Scan:
    fact = next(fact for fact in SCAN_FACTS.values() if fact.reads(stored.kind))
    return fact.of(stored)


def _handles(session: Session, usccs: set[str]) -> dict[str, str]:
    if not usccs:
        return {}
    query = select(Organisation.uscc, Organisation.handle).where(col(Organisation.uscc).in_(usccs))
    return dict(session.exec(query).all())


def _lots(session: Session, batch_ids: set[str]) -> dict[str, tuple[str, str]]:
    """Each lot's number and product name."""
    if not batch_ids:
        return {}
    query = select(Batch.id, Batch.lot, Batch.product_name).where(col(Batch.id).in_(batch_ids))
    return {batch_id: (lot, product) for batch_id, lot, product in session.exec(query)}


def _describe(
    stored: StoredRecord, fact: Scan, handles: dict[str, str], lots: dict[str, tuple[str, str]]
) -> dict[str, Any]:
    record = stored.record()
    scanner = handles.get(record.actor.org)
    sender, receiver = _parties(fact, scanner)
    lot, product = lots.get(fact.batch_id, (None, None))
    return {
        "record_id": stored.record_id,
        "index": stored.index,
        "kind": stored.kind,
        "action": fact.action,
        "time": record.time,
        "recorded_at": stored.appended_at,
        "batch_id": fact.batch_id,
        "lot": lot,
        "product_name": product,
        "org": scanner,
        "from": sender,
        "to": receiver,
        "location": fact.location,
        "code": getattr(fact, "code", None),
        "children": fact.children if isinstance(fact, BatchSplit) else [],
    }


def _parties(fact: Scan, scanner: str | None) -> tuple[str | None, str | None]:
    """Whom the goods left and whom they reached: a shipment goes from the scanner to its
    counterparty, a receipt from the counterparty to the scanner; a sale, a destruction or a
    split leaves the scanner's hands (to a consumer, to no one, to the new lots)."""
    if isinstance(fact, ShipScanned):
        return scanner, fact.counterparty
    if isinstance(fact, ReceiveScanned):
        return fact.counterparty, scanner
    return scanner, None
