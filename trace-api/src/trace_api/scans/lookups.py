"""What a run of scans reads, fetched together before its first scan: a scanner's batch names
hundreds of items of a few lots, read with a few queries instead of a few per item."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from ..batches.models import Batch
from ..codes.models import ItemCode
from ..gs1 import GS1Error, parse_item_code
from ..gs1 import ItemCode as PrintedCode
from ..services import Services
from .models import Shipment

if TYPE_CHECKING:
    from .service import ScanIn

#: Keys looked up per query when rows are fetched for many scans at once (bounded IN lists).
LOOKUP_CHUNK = 500


@dataclass
class ScanLookups:
    """What a run of scans reads, fetched together before the first of them: the item codes they
    name (None for a code never issued), their lots, and which of their scan records the ledger
    holds already. The rows stay in the session's identity map, so each scan sees what the scans
    before it changed.

    A run with lookups writes a sale's item by statement (see ``service._mark_sold``): whoever rolls
    one of its scans back must expire the session's rows (``session.expire_all()``)."""

    codes: dict[tuple[str, str, str], ItemCode | None] = field(default_factory=dict)
    #: Held so that ``session.get`` finds them without a query.
    lots: dict[str, Batch] = field(default_factory=dict)
    #: Each ``scan:<scan_id>`` record id of the scans the ledger holds.
    recorded: set[str] = field(default_factory=set)
    #: Lots not in transit when fetched and not shipped since (a shipment takes its lot out).
    settled: set[str] = field(default_factory=set)

    @classmethod
    def fetch(cls, services: Services, session: Session, scans: Sequence[ScanIn]) -> ScanLookups:
        codes = _item_codes(session, scans)
        lot_ids = {code.batch_id for code in codes.values() if code is not None}
        lots = _lots(session, lot_ids | {scan.batch_id for scan in scans if scan.batch_id is not None})
        record_ids = [f"scan:{scan.scan_id}" for scan in scans if scan.scan_id is not None]
        recorded = {
            found
            for chunk in _chunks(record_ids)
            for found in services.ledger.holding(chunk, conn=session.connection())
        }
        return cls(codes=codes, lots=lots, recorded=recorded, settled=_settled(session, sorted(lots)))


def _item_codes(session: Session, scans: Sequence[ScanIn]) -> dict[tuple[str, str, str], ItemCode | None]:
    """Each well-formed item code the scans name, by (GTIN, lot, serial): its row, or None."""
    by_lot: dict[tuple[str, str], set[str]] = {}
    for scan in scans:
        parsed = _parsed_or_none(scan.code)
        if parsed is not None:
            by_lot.setdefault((parsed.gtin, parsed.lot), set()).add(parsed.serial)
    codes: dict[tuple[str, str, str], ItemCode | None] = {}
    for (gtin, lot), serials in by_lot.items():
        for chunk in _chunks(sorted(serials)):
            query = select(ItemCode).where(
                ItemCode.gtin == gtin, ItemCode.lot == lot, col(ItemCode.serial).in_(chunk)
            )
            found = {code.serial: code for code in session.exec(query)}
            codes |= {(gtin, lot, serial): found.get(serial) for serial in chunk}
    return codes


def _lots(session: Session, lot_ids: set[str]) -> dict[str, Batch]:
    lots: dict[str, Batch] = {}
    for chunk in _chunks(sorted(lot_ids)):
        lots |= {lot.id: lot for lot in session.exec(select(Batch).where(col(Batch.id).in_(chunk)))}
    return lots


def _settled(session: Session, lot_ids: list[str]) -> set[str]:
    """The lots with no shipment waiting to be received."""
    moving = select(Shipment.batch_id).where(col(Shipment.received_at).is_(None))
    settled: set[str] = set()
    for chunk in _chunks(lot_ids):
        in_transit: set[str] = set(session.exec(moving.where(col(Shipment.batch_id).in_(chunk))))
        settled |= set(chunk) - in_transit
    return settled


def _parsed_or_none(code: str | None) -> PrintedCode | None:
    if code is None:
        return None
    try:
        return parse_item_code(code)
    except GS1Error:
        return None


def _chunks(keys: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(keys), LOOKUP_CHUNK):
        yield list(keys[start : start + LOOKUP_CHUNK])
