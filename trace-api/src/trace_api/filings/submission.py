"""The applicant's writes: an application with its materials (申请), and supplements (补正).

Materials are PDFs or pictures (JPEG, PNG), checked by :mod:`trace_api.paperwork.materials`
(10 MiB each, 20 to a request), stored content-addressed in the documents folder (the same layout
as ``/v1/documents``) and named in the step's ledger record by SHA-256; the filing's own table says
which filing they belong to.

An application gets its acceptance number (``SX-<division code>-<yyyymmdd>-<seq>``, the date in
China Standard Time, numbered per division and day) in the write transaction that records it,
which holds the ledger's writer lock: two applications never draw the same number. A person
applicant gets a query code, answered once; only its hash is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from evidence import Record, Subject, utc_datetime, utc_now, write_transaction

from ..errors import Conflict, Forbidden, Unprocessable
from ..orgs.service import Member
from ..paperwork.applicants import (
    Caller,
    actor_of,
    check_applicant,
    china_date,
    jurisdictions,
    new_query_code,
    next_number,
    query_code_hash,
)
from ..paperwork.fields import mask_phone
from ..paperwork.materials import Upload, check_uploads, store_file
from ..services import Services
from ..text import check_text
from .facts import FiledMaterial, FilingSubmitted, FilingSupplemented
from .inputs import FilingIn, mask_id_number
from .models import BusinessType, Filing, FilingMaterial, FilingStatus, MaterialKind
from .service import filing_record, get_filing

#: What every application brings; workshops and small restaurants add their layout and process.
REQUIRED = (MaterialKind.id_document, MaterialKind.premises_proof, MaterialKind.health_certificate)
LAYOUT_REQUIRED = frozenset({BusinessType.workshop, BusinessType.small_restaurant})
#: Each kind's form field (health certificates and other materials may be several).
FIELDS = {
    MaterialKind.id_document: "id_document",
    MaterialKind.premises_proof: "premises_proof",
    MaterialKind.health_certificate: "health_certificates",
    MaterialKind.layout: "layout",
    MaterialKind.other: "other",
}


@dataclass(frozen=True)
class Submitted:
    filing: Filing
    materials: list[FilingMaterial]
    #: The person applicant's query code, shown once; None for a member organisation.
    query_code: str | None


def _check_required(data: FilingIn, uploads: Sequence[Upload]) -> None:
    given = {upload.kind for upload in uploads}
    needed = [*REQUIRED, *([MaterialKind.layout] if data.business_type in LAYOUT_REQUIRED else [])]
    for kind in needed:
        if kind not in given:
            raise Unprocessable.field(FIELDS[kind], f"is required for a {data.business_type.value} filing")


def _materials(
    services: Services,
    filing_id: str,
    uploads: Sequence[Upload],
    types: Sequence[str],
    supplement: int,
    at: dt.datetime,
) -> list[FilingMaterial]:
    rows = []
    for upload, media_type in zip(uploads, types, strict=True):
        digest = hashlib.sha256(upload.data).hexdigest()
        store_file(services.settings.documents_dir, upload.data, digest)
        row = FilingMaterial(
            id=uuid.uuid4().hex, filing_id=filing_id, kind=upload.kind, sha256=digest,
            content_type=media_type, size=len(upload.data), filename=(upload.filename or "material")[:255],
            supplement=supplement, created_at=at,
        )  # fmt: skip
        rows.append(row)
    return rows


def _filed(rows: Sequence[FilingMaterial]) -> list[FiledMaterial]:
    return [
        FiledMaterial(kind=m.kind, sha256=m.sha256, content_type=m.content_type, size=m.size) for m in rows
    ]


def acceptance_number(session: Session, division_code: str, day: dt.date) -> str:
    """The next acceptance number of the division on ``day`` (the caller holds the writer lock)."""
    return next_number(session, Filing.id, f"SX-{division_code}-{day:%Y%m%d}-", 4)


def submit_filing(
    services: Services, member: Member | None, data: FilingIn, uploads: Sequence[Upload]
) -> Submitted:
    """Records an application: its materials stored, its acceptance number drawn, ``filing.submitted``
    appended and its rows written, in one transaction. ``member`` None: a person applies."""
    check_applicant(member, "filings")
    _check_required(data, uploads)
    types = check_uploads(uploads)
    code = new_query_code() if member is None else None
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        if data.jurisdiction not in jurisdictions(session):
            raise Unprocessable.field(
                "jurisdiction",
                f"no regulator supervises {data.jurisdiction!r}; GET /v1/filings/jurisdictions lists them",
            )
        moment = utc_now()
        at = utc_datetime(moment)
        number = acceptance_number(session, data.division_code, china_date(at))
        rows = _materials(services, number, uploads, types, 0, at)
        filing = Filing(
            id=number, business_type=data.business_type.value, business_name=data.business_name,
            address=data.address, division_code=data.division_code, jurisdiction=data.jurisdiction,
            operator_name=data.operator_name, operator_id_number=data.operator_id_number, uscc=data.uscc,
            phone=data.phone, categories=json.dumps(data.categories, ensure_ascii=False),
            employees=data.employees, applicant_org_id=member.org.id if member else None,
            query_code_hash=query_code_hash(code) if code else None, status=FilingStatus.submitted.value,
            submitted_at=at, record_id=f"filing:{number}:submitted", ledger_index=0,
        )  # fmt: skip
        record = _submitted_record(filing, data, member, rows, moment)
        filing.ledger_index = services.ledger.append(record, conn=session.connection()).index
        session.add(filing)
        session.flush()
        session.add_all(rows)
        session.flush()
        for row in (filing, *rows):
            session.refresh(row)
            session.expunge(row)
    return Submitted(filing, rows, code)


def _submitted_record(
    filing: Filing, data: FilingIn, member: Member | None, rows: Sequence[FilingMaterial], moment: str
) -> Record:
    applicant = (
        {"applicant": "person"} if member is None else {"applicant": "org", "applicant_org": member.org.uscc}
    )
    fact = FilingSubmitted(
        filing_id=filing.id, business_type=filing.business_type, business_name=filing.business_name,
        address=filing.address, division_code=filing.division_code, jurisdiction=filing.jurisdiction,
        operator_name=filing.operator_name, operator_id_masked=mask_id_number(filing.operator_id_number),
        phone_masked=mask_phone(filing.phone), categories=data.categories, employees=filing.employees,
        uscc=filing.uscc, materials=_filed(rows), **applicant,
    )  # fmt: skip
    extra = [] if member is None else [Subject(type="org", id=member.org.uscc)]
    return filing_record(filing, filing.record_id, fact, actor_of(member), moment, *extra)


def supplement_filing(
    services: Services, caller: Caller, number: str, note: str, uploads: Sequence[Upload]
) -> tuple[Filing, list[FilingMaterial]]:
    """The applicant's supplement (补正) to the latest request for more materials: the filing goes
    back to review (accepted, or submitted if it was never accepted)."""
    note = note.strip()
    if not note:
        raise Unprocessable.field("note", "is empty: say what the supplement brings")
    try:
        check_text(note)
    except ValueError as exc:
        raise Unprocessable.field("note", str(exc)) from exc
    if not uploads:
        raise Unprocessable.field("materials", "a supplement brings at least one document")
    types = check_uploads(uploads)
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        filing = get_filing(session, caller, number)
        member = caller.member
        if member is not None and filing.applicant_org_id != member.org.id:
            raise Forbidden(f"only the applicant supplements filing {number}")
        if member is not None and member.kind != "member":
            raise Forbidden("a device key may not supplement a filing; use a member's API key")
        if filing.status != FilingStatus.more_requested:
            raise Conflict(
                f"filing {number} is {filing.status}: no request for more materials awaits an answer"
            )
        moment = utc_now()
        at = utc_datetime(moment)
        rows = _materials(services, number, uploads, types, filing.requests, at)
        fact = FilingSupplemented(
            filing_id=number, request=filing.requests, note=note, materials=_filed(rows)
        )
        record = filing_record(
            filing, f"filing:{number}:supplemented:{filing.requests}", fact, actor_of(member), moment
        )
        services.ledger.append(record, conn=session.connection())
        filing.status = (FilingStatus.accepted if filing.accepted_at else FilingStatus.submitted).value
        session.add(filing)
        session.add_all(rows)
        session.flush()
        for row in (filing, *rows):
            session.refresh(row)
            session.expunge(row)
    return filing, rows
