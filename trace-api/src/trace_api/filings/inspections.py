"""Daily inspections (日常检查) of registered small food businesses, by the regulators of their
jurisdiction: the result (pass 符合, rectify 责令整改, fail 不符合), each item checked, notes, and a
photo the inspector uploaded as a document. Each inspection is one ``filing.inspected`` record
naming the filing and its certificate.

The result must agree with the items: ``pass`` with every item passed, ``rectify`` or ``fail``
with at least one failed. Only an approved filing is a registered business to inspect (409).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlmodel import Session, col, select

from evidence import Subject, utc_datetime, utc_now, write_transaction

from ..documents.models import Document
from ..documents.service import holds_document
from ..errors import Conflict, Unprocessable
from ..orgs.service import Member
from ..paperwork.applicants import Caller, actor_of, handle_of
from ..services import Services
from .facts import FilingInspected, InspectedItem
from .inputs import InspectionIn
from .models import Filing, FilingInspection, FilingStatus, InspectionResult
from .service import check_reviewer, filing_record, get_filing

PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
#: How far ahead of the server's clock an inspection's time may be (a phone's clock drifts).
CLOCK_SLACK = dt.timedelta(minutes=5)


def _check_result(data: InspectionIn) -> None:
    failed = [item.name for item in data.items if not item.passed]
    if data.result is InspectionResult.passed and failed:
        raise Unprocessable.field("result", f"is pass, but items failed: {', '.join(failed)}")
    if data.result is not InspectionResult.passed and not failed:
        raise Unprocessable.field("result", f"is {data.result.value}, but every item passed")


def _inspected_at(data: InspectionIn, filing: Filing, now: dt.datetime) -> dt.datetime:
    if data.inspected_at is None:
        return now
    if data.inspected_at.tzinfo is None:
        raise Unprocessable.field("inspected_at", "has no UTC offset (e.g. 2026-12-01T09:30:00+08:00)")
    at = data.inspected_at.astimezone(dt.UTC)
    if at > now + CLOCK_SLACK:
        raise Unprocessable.field("inspected_at", "is in the future")
    if filing.decided_at is not None and at < filing.decided_at:
        raise Unprocessable.field("inspected_at", "is before the business was registered")
    return at


def _check_photo(session: Session, member: Member, sha256: str | None) -> None:
    if sha256 is None:
        return
    document = session.get(Document, sha256)
    if document is None or not holds_document(session, member.org.id, sha256):
        raise Unprocessable.field("photo_sha256", f"no document {sha256} that {member.org.handle} uploaded")
    if document.content_type not in PHOTO_TYPES:
        raise Unprocessable.field("photo_sha256", f"is a {document.content_type} document, not a picture")


def inspect_filing(services: Services, member: Member, number: str, data: InspectionIn) -> FilingInspection:
    """Records the inspection: its row and its ``filing.inspected`` record, one transaction."""
    _check_result(data)
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        filing = get_filing(session, Caller(member=member), number)
        check_reviewer(member, filing)
        if filing.status != FilingStatus.approved or filing.certificate_no is None:
            raise Conflict(f"filing {number} is {filing.status}: only a registered business is inspected")
        _check_photo(session, member, data.photo_sha256)
        moment = utc_now()
        now = utc_datetime(moment)
        at = _inspected_at(data, filing, now)
        inspection_id = uuid.uuid4().hex
        items = [InspectedItem(name=i.name, passed=i.passed, note=i.note.strip()) for i in data.items]
        fact = FilingInspected(
            filing_id=number, inspection_id=inspection_id, certificate_no=filing.certificate_no,
            regulator=member.org.handle, result=data.result.value, items=items, notes=data.notes.strip(),
            inspected_at=at.isoformat().replace("+00:00", "Z"), photo_sha256=data.photo_sha256,
        )  # fmt: skip
        record = filing_record(
            filing, f"filing:{number}:inspected:{inspection_id}", fact, actor_of(member), moment,
            Subject(type="org", id=member.org.uscc),
        )  # fmt: skip
        receipt = services.ledger.append(record, conn=session.connection())
        inspection = FilingInspection(
            id=inspection_id, filing_id=number, result=data.result.value,
            items=json.dumps([item.model_dump() for item in items], ensure_ascii=False),
            notes=data.notes.strip(), photo_sha256=data.photo_sha256, org_id=member.org.id,
            key_id=member.key_id, inspected_at=at, created_at=now, record_id=record.record_id,
            ledger_index=receipt.index,
        )  # fmt: skip
        session.add(inspection)
        session.flush()
        session.refresh(inspection)
        session.expunge(inspection)
    return inspection


def list_inspections(session: Session, caller: Caller, number: str) -> list[FilingInspection]:
    """The filing's inspections, newest first, for whoever may see the filing."""
    filing = get_filing(session, caller, number)
    query = (
        select(FilingInspection)
        .where(FilingInspection.filing_id == filing.id)
        .order_by(col(FilingInspection.inspected_at).desc(), col(FilingInspection.id).desc())
    )
    return list(session.exec(query))


def describe_inspection(session: Session, inspection: FilingInspection) -> dict[str, Any]:
    data = inspection.model_dump(mode="json", exclude={"org_id", "items"})
    data["items"] = json.loads(inspection.items)
    data["inspector"] = handle_of(session, inspection.org_id)
    return data
