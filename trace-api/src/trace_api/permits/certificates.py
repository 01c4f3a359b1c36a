"""An issued permit's paper, and the permit checked against the ledger for whoever scans it.

The paper is rendered from the ``permit.approved`` record, not from the row. The public check
finds the certificate by the ledger's own subject index (``permit_certificate``): its approval,
then every change of its state in log order (suspended, reinstated, revoked), so a regulator's
change shows at once. Its status is ``revoked``, else ``expired`` past its validity (by the
caller's date: the page's clock), else ``suspended``, else ``valid``. The approval record and
the latest change are each proven (bytes, inclusion proof, signed checkpoint, anchor on chain).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel import Session

from evidence import Ledger

from ..errors import NotFound
from ..paperwork.applicants import Caller
from ..paperwork.papers import ledger_mark
from ..paperwork.proofs import record_proof
from ..services import Services
from ..settings import ServiceSettings
from .facts import STATE_AFTER, CertificateChanged, PermitApproved
from .models import PermitStatus
from .pdfs import render_certificate
from .service import certificate_path, get_permit

Status = Literal["valid", "suspended", "revoked", "expired"]


def verification_url(settings: ServiceSettings, certificate_no: str) -> str:
    return settings.public_url + certificate_path(certificate_no)


def certificate_pdf(
    ledger: Ledger, settings: ServiceSettings, session: Session, caller: Caller, number: str
) -> tuple[bytes, str]:
    """The approved application's permit (PDF) and its file name."""
    permit = get_permit(session, caller, number)
    if permit.status != PermitStatus.approved or permit.decision_record_id is None:
        raise NotFound(f"permit application {number} has no certificate: it is {permit.status}")
    approved = PermitApproved.of(ledger.get(permit.decision_record_id, conn=session.connection()))
    mark = ledger_mark(ledger, session, permit.decision_record_id)
    url = verification_url(settings, approved.certificate_no)
    return render_certificate(approved, mark, url), f"{approved.certificate_no}.pdf"


@dataclass(frozen=True)
class CertificateCheck:
    """A permit as its ledger records state it, and how those records check."""

    approved: PermitApproved
    status: Status
    #: The changes of its state, oldest first: kind, reason, regulator, time.
    changes: list[dict[str, Any]]
    #: The approval record's proof, and the latest change's (None without a change).
    proof: dict[str, Any]
    change_proof: dict[str, Any] | None

    @property
    def proven(self) -> str:
        """``verified`` when every record shown checks, ``failed`` when one does not, else ``pending``."""
        statuses = {self.proof["status"], *([self.change_proof["status"]] if self.change_proof else [])}
        return "failed" if "failed" in statuses else "pending" if "pending" in statuses else "verified"

    def as_json(self) -> dict[str, Any]:
        return {
            "certificate": self.approved.payload(),
            "status": self.status,
            "changes": self.changes,
            "verification": {
                "status": self.proven,
                "approval": self.proof,
                "latest_change": self.change_proof,
            },
        }


def check_certificate(
    services: Services, session: Session, certificate_no: str, today: dt.date
) -> CertificateCheck:
    """The permit's records, found by the ledger's subject index, read and proven."""
    found = services.ledger.about("permit_certificate", certificate_no, conn=session.connection())
    approvals = [stored for stored in found if stored.kind == PermitApproved.KIND]
    if not approvals:
        raise NotFound(f"no food business permit {certificate_no} in the ledger")
    approved = PermitApproved.of(approvals[0])
    changes = []
    state = "active"
    for stored in found:
        if stored.kind not in STATE_AFTER:
            continue
        record = stored.record()
        change = CertificateChanged.model_validate(record.payload)
        state = STATE_AFTER[stored.kind]
        changes.append(
            {"kind": stored.kind, "record_id": stored.record_id, "time": record.time, "reason": change.reason,
             "regulator_name": change.regulator_name}
        )  # fmt: skip
    status: Status
    if state == "revoked":
        status = "revoked"
    elif today > approved.valid_until:
        status = "expired"
    else:
        status = "suspended" if state == "suspended" else "valid"
    proof = record_proof(services, approvals[0].record_id)
    change_proof = record_proof(services, changes[-1]["record_id"]) if changes else None
    return CertificateCheck(approved, status, changes, proof, change_proof)
