"""FSMA 204 (21 CFR part 1 subpart S): the "electronic sortable spreadsheet" of critical tracking events.

One row per critical tracking event (CTE) with its key data elements (KDEs), for a lot and its
lineage or for a time window, read from the evidence ledger:

- ``batch.admitted``: "Receiving (first receiver)" for imported food, whose traceability lot code
  Suyuan assigns on entry (进赋码); "Initial Packing" for domestic food.
- ``scan.ship``: "Shipping"; ``scan.receive``: "Receiving".
- ``batch.split``: "Transformation", one row per new lot.

Sales to consumers and destruction are no CTEs under the rule and are left out. Every row names
its ledger record, so each can be checked with an inclusion proof. Times are UTC.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import or_
from sqlmodel import Session, col, select

from evidence import Ledger, Record, StoredRecord, utc_datetime

from ..batches.models import Batch
from ..errors import Forbidden, NotFound, Unprocessable
from ..events import party
from ..facts import BatchAdmitted, BatchSplit, ReceiveScanned, ShipScanned
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..scans.models import Shipment
from ..services import Services
from ..tracing.branches import Lineage, records_about
from .service import lineage_of

Row = dict[str, str | float]

CTE = "Critical Tracking Event"
TLC = "Traceability Lot Code"
TLC_SOURCE = "Traceability Lot Code Source"
PRODUCT = "Product Description"
GTIN = "GTIN"
QUANTITY = "Quantity"
UNIT = "Unit of Measure"
SHIP_FROM = "Ship-From Location"
SHIP_TO = "Ship-To Location"
RECEIVING = "Receiving Location"
LOCATION = "Event Location"
EVENT_DATE = "Event Date"
EVENT_TIME = "Event Time (UTC)"
DOC_TYPE = "Reference Document Type"
DOC_NUMBER = "Reference Document Number"
NEW_TLC = "New Traceability Lot Code"
NEW_TLC_SOURCE = "New Traceability Lot Code Source"
RECORD_ID = "Suyuan Ledger Record ID"

COLUMNS = (
    CTE,
    TLC,
    TLC_SOURCE,
    PRODUCT,
    GTIN,
    QUANTITY,
    UNIT,
    SHIP_FROM,
    SHIP_TO,
    RECEIVING,
    LOCATION,
    EVENT_DATE,
    EVENT_TIME,
    DOC_TYPE,
    DOC_NUMBER,
    NEW_TLC,
    NEW_TLC_SOURCE,
    RECORD_ID,
)

# Spreadsheet programs run a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MAX_WIDTH = 60


class SheetFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


def fsma204_rows(
    services: Services,
    session: Session,
    member: Member,
    *,
    lot: str | None = None,
    batch_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[Row]:
    """The CTE rows of a lot (lot code or batch id, with its lineage) and/or of ``since <= time < until``.

    Without a lot, regulators see every lot, others the lots they took part in the custody of.
    Naive datetimes are UTC. Rows come sorted by event time, then lot.
    """
    if lot is None and batch_id is None and since is None and until is None:
        reason = "give a lot (lot or batch_id) or a date range (since, until)"
        raise Unprocessable(reason, errors=[{"field": f, "reason": reason} for f in ("lot", "since")])
    if lot is not None and batch_id is not None:
        raise Unprocessable.field("batch_id", "give lot or batch_id, not both")
    start, end = _utc(since), _utc(until)
    if start is not None and end is not None and start >= end:
        raise Unprocessable.field("until", "must be after since")
    if lot is None and batch_id is None:
        lineage = Lineage(_custody_of(session, member))
    else:
        lineage = _lineages(services, session, member, lot, batch_id)
    return _rows_within(services, session, lineage, start, end)


def _rows_within(
    services: Services,
    session: Session,
    lineage: Lineage,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> list[Row]:
    builder = _Sheet(services.ledger, session, lineage.batches)
    found: list[tuple[tuple[dt.datetime, str, int, int], Row]] = []
    for stored in records_about(services.ledger, lineage):
        record = stored.record()
        when = event_time(record.time)
        if (since is not None and when < since) or (until is not None and when >= until):
            continue
        for n, row in enumerate(builder.rows_of(stored, record)):
            found.append(((when, str(row[TLC]), stored.index, n), row))
    return [row for _, row in sorted(found, key=lambda item: item[0])]


def _lineages(
    services: Services, session: Session, member: Member, lot: str | None, batch_id: str | None
) -> Lineage:
    roots = [batch_id] if batch_id is not None else _batches_with_lot(session, lot or "")
    if not roots:
        raise NotFound(f"no lot {lot!r}")
    found: Lineage | None = None
    refused: Forbidden | None = None
    for root in roots:  # one lot code may name lots of several products
        try:
            lineage = lineage_of(services, session, member, root)
        except Forbidden as exc:
            refused = exc
            continue
        found = lineage if found is None else found.joined(lineage)
    if found is not None:
        return found
    raise refused or NotFound(f"no lot {lot!r}")


def _batches_with_lot(session: Session, lot: str) -> list[str]:
    query = select(Batch.id).where(or_(col(Batch.lot) == lot, col(Batch.id) == lot)).order_by(col(Batch.id))
    return list(session.exec(query))


def _custody_of(session: Session, member: Member) -> list[Batch]:
    """Every lot for a regulator; for anyone else, the lots it admitted, holds or shipped or received."""
    query = select(Batch).order_by(col(Batch.id))
    if member.org.org_type is not OrgType.regulator:
        org = member.org.id
        moved = select(Shipment.batch_id).where(
            or_(col(Shipment.from_org_id) == org, col(Shipment.to_org_id) == org)
        )
        query = query.where(
            or_(col(Batch.importer_org_id) == org, col(Batch.holder_org_id) == org, col(Batch.id).in_(moved))
        )
    return list(session.exec(query))


class _Sheet:
    """Turns the ledger records about a set of lots into CTE rows with their KDEs."""

    def __init__(self, ledger: Ledger, session: Session, batches: list[Batch]) -> None:
        self.ledger, self.session = ledger, session
        self.batches = {b.id: b for b in batches}
        self.shipped_by = _ship_records_by_receipt(session, list(self.batches))
        self._orgs: dict[str, str] = {}
        self._splits: dict[str, dict[str, str]] = {}

    def rows_of(self, stored: StoredRecord, record: Record) -> list[Row]:
        if stored.kind == BatchAdmitted.KIND:
            return self._admission(stored.record_id, record)
        if stored.kind in (ShipScanned.KIND, ReceiveScanned.KIND):
            return self._movement(stored.record_id, record)
        if stored.kind == BatchSplit.KIND:
            return self._transformation(stored.record_id, record)
        return []

    def _row(self, batch: Batch, record: Record, record_id: str, kdes: Row) -> Row:
        when = event_time(record.time)
        row: Row = dict.fromkeys(COLUMNS, "")
        row |= {
            TLC: batch.lot,
            TLC_SOURCE: self.source_of(batch),
            PRODUCT: batch.product_name,
            GTIN: batch.gtin,
            UNIT: batch.unit,
            EVENT_DATE: when.date().isoformat(),
            EVENT_TIME: when.strftime("%H:%M:%S"),
            RECORD_ID: record_id,
        }
        return row | kdes

    def _admission(self, record_id: str, record: Record) -> list[Row]:
        lot = BatchAdmitted.of(record)
        batch = self.batches.get(lot.batch_id)
        if batch is None:
            return []
        importer = self.org(batch.importer_org_id)
        kdes: Row = {QUANTITY: _number(lot.quantity), UNIT: lot.unit, LOCATION: importer}
        if lot.imported and lot.customs_declaration:
            kdes |= {CTE: "Receiving (first receiver)", SHIP_FROM: _producer(lot), RECEIVING: importer}
            kdes |= {DOC_TYPE: "Customs declaration", DOC_NUMBER: lot.customs_declaration}
        else:
            kdes |= {CTE: "Initial Packing", DOC_TYPE: "Suyuan admission record", DOC_NUMBER: record_id}
        return [self._row(batch, record, record_id, kdes)]

    def _movement(self, record_id: str, record: Record) -> list[Row]:
        """A shipment or its receipt: parties from the EPCIS event's owning-party source and destination."""
        scan = ReceiveScanned.of(record) if ReceiveScanned.reads(record.kind) else ShipScanned.of(record)
        batch = self.batches.get(scan.batch_id)
        if batch is None:
            return []
        event = scan.epcis
        sender, receiver = _owning_party(event, "source"), _owning_party(event, "destination")
        quantity, unit = _quantity(event, batch)
        kdes: Row = {QUANTITY: quantity, UNIT: unit, SHIP_FROM: self.org_by_uscc(sender)}
        kdes |= {SHIP_TO: self.org_by_uscc(receiver), LOCATION: scan.location}
        kdes |= {CTE: "Shipping", DOC_TYPE: "Suyuan shipment record", DOC_NUMBER: record_id}
        if record.kind == ReceiveScanned.KIND:  # the reference document is the shipment's record
            kdes |= {CTE: "Receiving", RECEIVING: self.org_by_uscc(receiver)}
            kdes[DOC_NUMBER] = self.shipped_by.get(record_id, record_id)
        return [self._row(batch, record, record_id, kdes)]

    def _transformation(self, record_id: str, record: Record) -> list[Row]:
        """A split: one row per new lot the caller may see, the input lot as the row's lot."""
        split = BatchSplit.of(record)
        parent = self.batches.get(split.batch_id)
        if parent is None:
            return []
        children = split.children
        quantities: list[float | None] = list(split.quantities) or [None] * len(children)
        maker = self.org_by_uscc(record.actor.org)
        rows = []
        for child_id, quantity in zip(children, quantities, strict=False):
            child = self.batches.get(child_id)
            if child is None:  # a sibling of the lot asked for
                continue
            kdes: Row = {
                CTE: "Transformation",
                QUANTITY: _number(quantity or child.quantity),
                UNIT: child.unit,
            }
            kdes |= {LOCATION: split.location, NEW_TLC: child.lot, NEW_TLC_SOURCE: maker}
            kdes |= {DOC_TYPE: "Suyuan transformation record", DOC_NUMBER: record_id}
            rows.append(self._row(parent, record, record_id, kdes))
        return rows

    def source_of(self, batch: Batch) -> str:
        """Who assigned the lot code: the importer on entry, or whoever split the lot it came from."""
        if batch.parent_id is None:
            return self.org(batch.importer_org_id)
        if batch.parent_id not in self._splits:
            self._splits[batch.parent_id] = _splitters(self.ledger, batch.parent_id)
        return self.org_by_uscc(self._splits[batch.parent_id].get(batch.id, ""))

    def org(self, org_id: str) -> str:
        if f"id:{org_id}" not in self._orgs:
            self._orgs[f"id:{org_id}"] = _describe(self.session.get(Organisation, org_id), org_id)
        return self._orgs[f"id:{org_id}"]

    def org_by_uscc(self, uscc: str) -> str:
        if not uscc:
            return ""
        if f"uscc:{uscc}" not in self._orgs:
            found = self.session.exec(select(Organisation).where(Organisation.uscc == uscc)).first()
            self._orgs[f"uscc:{uscc}"] = _describe(found, f"USCC {uscc}")
        return self._orgs[f"uscc:{uscc}"]


def _describe(org: Organisation | None, unknown: str) -> str:
    """An organisation as a location description: its name and GLN (or, without one, its USCC)."""
    if org is None:
        return unknown
    return f"{org.name}, GLN {org.gln}" if org.gln else f"{org.name}, USCC {org.uscc}"


def _producer(lot: BatchAdmitted) -> str:
    return f"{lot.producer}, establishment {lot.establishment_number}, {lot.origin_country}"


def _owning_party(event: dict[str, Any], role: str) -> str:
    """The USCC of the event's owning party ``role`` (source or destination), or ""."""
    prefix = party("")
    for entry in event.get(f"{role}List", []):
        value = entry.get(role, "")
        if entry.get("type") == "owning_party" and value.startswith(prefix):
            return str(value.removeprefix(prefix))
    return ""


def _quantity(event: dict[str, Any], batch: Batch) -> tuple[float, str]:
    for entry in event.get("quantityList", []):
        if "quantity" in entry:
            return _number(entry["quantity"]), str(entry.get("uom", batch.unit))
    return _number(batch.quantity), batch.unit


def _number(value: float) -> float:
    """Whole quantities as integers, so that 1200.0 reads 1200 in the sheet."""
    return int(value) if float(value).is_integer() else float(value)


def _splitters(ledger: Ledger, parent_id: str) -> dict[str, str]:
    """The USCC of the organisation that split each child lot out of ``parent_id``."""
    found: dict[str, str] = {}
    for stored in ledger.about("batch", parent_id):
        if stored.kind == BatchSplit.KIND:
            record = stored.record()
            found.update(dict.fromkeys(BatchSplit.of(record).children, record.actor.org))
    return found


def _ship_records_by_receipt(session: Session, batch_ids: list[str]) -> dict[str, str]:
    """Receive record id → the record id of the shipment it received."""
    query = select(Shipment).where(
        col(Shipment.batch_id).in_(batch_ids), col(Shipment.receive_record_id).is_not(None)
    )
    return {s.receive_record_id or "": s.ship_record_id for s in session.exec(query)}


def event_time(value: str) -> dt.datetime:
    """An RFC 3339 record time as an aware UTC datetime."""
    return utc_datetime(value)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def parse_bound(field: str, text: str | None, *, end: bool = False) -> dt.datetime | None:
    """A window bound from an ISO 8601 date or date-time; Unprocessable naming ``field`` if neither.

    A date alone is that day's start (UTC); with ``end`` it is the next day's start, so that an
    exclusive ``until`` of 2026-10-31 still takes in the whole of 31 October.
    """
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        bound = _bound(value, end)
    except (ValueError, OverflowError):
        reason = f"{value!r} is neither an ISO 8601 date (2026-10-01) nor date-time (2026-10-01T08:00+08:00)"
        raise Unprocessable.field(field, reason) from None
    if not 1970 <= bound.year <= 9999:
        raise Unprocessable.field(field, f"{value!r} is outside the years 1970 to 9999")
    return bound


def _bound(value: str, end: bool) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is not None:
        start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        return start + dt.timedelta(days=1) if end else start
    moment = dt.datetime.fromisoformat(value)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def sort_key(row: Row) -> tuple[str, str, str]:
    return (str(row[EVENT_DATE]), str(row[EVENT_TIME]), str(row[TLC]))


def to_csv(rows: list[Row]) -> bytes:
    """The rows as CSV for spreadsheet programs: UTF-8 with a BOM, CRLF, a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in sorted(rows, key=sort_key):
        writer.writerow([_csv_cell(row.get(name, "")) for name in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(value: str | float) -> str | float:
    # OWASP's advice for CSV injection: a leading apostrophe makes the cell text.
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_xlsx(rows: list[Row]) -> bytes:
    """The rows as an XLSX workbook: bold frozen header, auto-filter on every column, fitted widths."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "FSMA 204"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(sorted(rows, key=sort_key), start=2):
        _write_row(sheet, number, row)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    _fit_columns(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_row(sheet: Worksheet, number: int, row: Row) -> None:
    for column, name in enumerate(COLUMNS, start=1):
        value = row.get(name, "")
        if name == EVENT_DATE and value:
            cell = sheet.cell(number, column, dt.date.fromisoformat(str(value)))
            cell.number_format = "yyyy-mm-dd"
            continue
        cell = sheet.cell(number, column, value)
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text: openpyxl would take "=…" for a formula


def _fit_columns(sheet: Worksheet) -> None:
    for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        longest = max(len(str(value)) if value is not None else 0 for value in column)
        width = min(max(longest, 10) + 2, _MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = width
