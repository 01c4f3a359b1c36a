"""The applicant's write: an application for a food business permit with its materials and its
declaration (申请). Materials are checked and stored by :mod:`trace_api.paperwork.materials`.

An application gets its number (``XK-<division code>-<yyyymmdd>-<seq>``, the date in China
Standard Time) in the write transaction that records it, which holds the ledger's writer lock:
two applications never draw the same number. A person applicant gets a query code, answered
once; only its hash is kept.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from evidence import utc_datetime, utc_now, write_transaction

from ..errors import Unprocessable
from ..orgs.service import Member
from ..paperwork.applicants import (
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
from .facts import PermitMaterialFiled, PermitSubmitted
from .inputs import DECLARATION, PermitIn
from .models import MaterialKind, Permit, PermitMaterial, PermitStatus
from .service import permit_record

#: Every application brings these (食品经营许可管理办法 lists them); ``other`` is optional.
REQUIRED = (
    MaterialKind.business_licence,
    MaterialKind.id_document,
    MaterialKind.premises_proof,
    MaterialKind.layout,
    MaterialKind.safety_rules,
)
#: Each kind's form field.
FIELDS = {kind: kind.value for kind in MaterialKind}


@dataclass(frozen=True)
class Submitted:
    permit: Permit
    materials: list[PermitMaterial]
    #: The person applicant's query code, shown once; None for a member organisation.
    query_code: str | None


def _check_required(uploads: Sequence[Upload]) -> None:
    given = {upload.kind for upload in uploads}
    for kind in REQUIRED:
        if kind.value not in given:
            raise Unprocessable.field(FIELDS[kind], "is required for a food business permit")


def submit_permit(
    services: Services, member: Member | None, data: PermitIn, uploads: Sequence[Upload]
) -> Submitted:
    """Records an application: its materials stored, its number drawn, ``permit.submitted``
    appended and its rows written, in one transaction. ``member`` None: a person applies."""
    check_applicant(member, "permit applications")
    _check_required(uploads)
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
        number = next_number(session, Permit.id, f"XK-{data.division_code}-{china_date(at):%Y%m%d}-", 4)
        rows = []
        for upload, media_type in zip(uploads, types, strict=True):
            digest = hashlib.sha256(upload.data).hexdigest()
            store_file(services.settings.documents_dir, upload.data, digest)
            row = PermitMaterial(
                id=uuid.uuid4().hex, permit_id=number, kind=upload.kind, sha256=digest,
                content_type=media_type, size=len(upload.data),
                filename=(upload.filename or "material")[:255], created_at=at,
            )  # fmt: skip
            rows.append(row)
        permit = Permit(
            id=number, business_format=data.business_format.value, business_name=data.business_name,
            uscc=data.uscc, legal_representative=data.legal_representative, premises=data.premises,
            division_code=data.division_code, jurisdiction=data.jurisdiction, phone=data.phone,
            items=json.dumps(data.items, ensure_ascii=False),
            applicant_org_id=member.org.id if member else None,
            query_code_hash=query_code_hash(code) if code else None, status=PermitStatus.submitted.value,
            submitted_at=at, record_id=f"permit:{number}:submitted", ledger_index=0,
        )  # fmt: skip
        fact = PermitSubmitted(
            permit_id=number, business_format=permit.business_format, business_name=permit.business_name,
            uscc=permit.uscc, legal_representative=permit.legal_representative, premises=permit.premises,
            division_code=permit.division_code, jurisdiction=permit.jurisdiction,
            phone_masked=mask_phone(permit.phone), items=data.items,
            applicant="person" if member is None else "org",
            applicant_org=None if member is None else member.org.uscc,
            declaration=DECLARATION, declaration_sha256=hashlib.sha256(DECLARATION.encode()).hexdigest(),
            materials=[
                PermitMaterialFiled(kind=m.kind, sha256=m.sha256, content_type=m.content_type, size=m.size)
                for m in rows
            ],
        )  # fmt: skip
        record = permit_record(permit, permit.record_id, fact, actor_of(member), moment)
        permit.ledger_index = services.ledger.append(record, conn=session.connection()).index
        session.add(permit)
        session.flush()
        session.add_all(rows)
        session.flush()
        for written in (permit, *rows):
            session.refresh(written)
            session.expunge(written)
    return Submitted(permit, rows, code)
