"""A decided filing's papers, and a certificate checked against the ledger for whoever scans it.

The papers are rendered from the ledger's records, not from the rows: a certificate states what
its ``filing.approved`` record states, a refusal what its ``filing.refused`` record states, and
each prints the record's id and leaf hash. A certificate's QR code opens
``{public_url}/filing-certificates/{number}``, whose check finds the certificate by the ledger's
own subject index (``filing_certificate``), verifies its record step by step (bytes, inclusion
proof, checkpoint signature, anchor on chain) and says whether it is within its validity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel import Session, col, select

from evidence import Ledger, StoredRecord, utc_datetime

from ..errors import NotFound
from ..paperwork.applicants import Caller, china_date
from ..paperwork.papers import ledger_mark
from ..paperwork.proofs import record_proof
from ..services import Services
from ..settings import ServiceSettings
from .facts import FilingApproved, FilingRefused, FilingSubmitted
from .models import Filing, FilingInspection, FilingStatus
from .pdfs import RefusedApplication, render_certificate, render_refusal
from .service import certificate_path, get_filing

#: ``valid``: its record checks and it is within its validity; ``expired``: it checks, but its
#: validity ended; ``pending``: its record is not yet covered by an anchored checkpoint;
#: ``failed``: its record does not check against the ledger.
Standing = Literal["valid", "expired", "pending", "failed"]


def verification_url(settings: ServiceSettings, certificate_no: str) -> str:
    return settings.public_url + certificate_path(certificate_no)


def _record(ledger: Ledger, session: Session, record_id: str) -> StoredRecord:
    return ledger.get(record_id, conn=session.connection())


def certificate_pdf(
    ledger: Ledger, settings: ServiceSettings, session: Session, caller: Caller, number: str
) -> tuple[bytes, str]:
    """The approved filing's certificate (PDF) and its file name."""
    filing = get_filing(session, caller, number)
    if filing.status != FilingStatus.approved or filing.decision_record_id is None:
        raise NotFound(f"filing {number} has no certificate: it is {filing.status}")
    approved = FilingApproved.of(_record(ledger, session, filing.decision_record_id))
    mark = ledger_mark(ledger, session, filing.decision_record_id)
    url = verification_url(settings, approved.certificate_no)
    return render_certificate(approved, mark, url), f"{approved.certificate_no}.pdf"


def decision_pdf(ledger: Ledger, session: Session, caller: Caller, number: str) -> tuple[bytes, str]:
    """The refused filing's decision (不予许可决定书, PDF) and its file name."""
    filing = get_filing(session, caller, number)
    if filing.status != FilingStatus.refused or filing.decision_record_id is None:
        raise NotFound(f"filing {number} has no refusal decision: it is {filing.status}")
    refused = FilingRefused.of(_record(ledger, session, filing.decision_record_id))
    submitted_record = _record(ledger, session, filing.record_id).record()
    submitted = FilingSubmitted.of(submitted_record)
    decided = _record(ledger, session, filing.decision_record_id).record()
    application = RefusedApplication(
        business_type=submitted.business_type,
        business_name=submitted.business_name,
        operator_name=submitted.operator_name,
        submitted_on=china_date(utc_datetime(submitted_record.time)),
        decided_on=china_date(utc_datetime(decided.time)),
    )
    mark = ledger_mark(ledger, session, filing.decision_record_id)
    return render_refusal(refused, application, mark), f"BY-{number}.pdf"


@dataclass(frozen=True)
class CertificateCheck:
    """A certificate as its ledger record states it, and how that record checks."""

    approved: FilingApproved
    standing: Standing
    verification: dict[str, Any]
    #: The latest daily inspection's result and time (public: 监督检查结果公示), or None.
    latest_inspection: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {
            "certificate": self.approved.payload(),
            "standing": self.standing,
            "verification": self.verification,
            "latest_inspection": self.latest_inspection,
        }


def check_certificate(
    services: Services, session: Session, certificate_no: str, today: dt.date
) -> CertificateCheck:
    """The certificate's ``filing.approved`` record, found by the ledger's subject index, checked."""
    found = [
        stored
        for stored in services.ledger.about("filing_certificate", certificate_no, conn=session.connection())
        if stored.kind == FilingApproved.KIND
    ]
    if not found:
        raise NotFound(f"no registration certificate {certificate_no} in the ledger")
    approved = FilingApproved.of(found[0])
    verification = record_proof(services, found[0].record_id)
    standing: Standing
    if verification["status"] != "verified":
        standing = verification["status"]
    else:
        standing = "valid" if approved.valid_from <= today <= approved.valid_until else "expired"
    return CertificateCheck(approved, standing, verification, _latest_inspection(session, approved.filing_id))


def _latest_inspection(session: Session, filing_id: str) -> dict[str, Any] | None:
    if session.get(Filing, filing_id) is None:
        return None
    latest = session.exec(
        select(FilingInspection)
        .where(FilingInspection.filing_id == filing_id)
        .order_by(col(FilingInspection.inspected_at).desc())
    ).first()
    if latest is None:
        return None
    return {"result": latest.result, "inspected_at": latest.inspected_at.isoformat()}
