"""Anyone checks an enforcement document: the PDF (or its number) against the inspector's Ed25519
signature recorded in the ledger, the key against its registration there, and each of the
document's records against the ledger (inclusion proof, signed checkpoint, root anchored on chain,
:func:`trace_api.paperwork.proofs.record_proof`).

A PDF whose bytes no signed document has (altered by a single byte, or never signed) is refused
with a 422 naming ``pdf``; a signature or key that does not check raises too, never answers
"false".
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session, select

from evidence import Ledger

from ..documents.service import document_path
from ..errors import Defect, NotFound, Unprocessable
from ..paperwork.proofs import record_proof
from ..services import Services
from .facts import DocumentCountersigned, DocumentIssued, DocumentSigned, SigningKeyRegistered
from .models import DocumentStatus, EnforcementDocument

KIND_NAMES = {"inspection_record": "现场检查笔录", "rectification_order": "责令改正通知书"}


@dataclass(frozen=True)
class DocumentCheck:
    document: EnforcementDocument
    issued: DocumentIssued
    signed: DocumentSigned
    countersigned: DocumentCountersigned | None
    #: ``verified`` when every record is under an anchored checkpoint; ``pending`` until then.
    proven: str
    proofs: dict[str, dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "document_id": self.document.id,
            "kind": self.document.kind,
            "kind_name": KIND_NAMES.get(self.document.kind, self.document.kind),
            "status": self.document.status,
            "inspection_id": self.document.inspection_id,
            "pdf_sha256": self.signed.pdf_sha256,
            "signature": {
                "algorithm": self.signed.algorithm,
                "valid": True,
                "signature": self.signed.signature,
                "public_key": self.signed.public_key,
                "key_sha256": self.signed.key_sha256,
                "key_record_id": self.signed.key_record_id,
                "badge_no": self.signed.badge_no,
            },
            "countersignature": self.countersigned.payload() if self.countersigned else None,
            "proven": self.proven,
            "proofs": self.proofs,
        }


def find_signed(session: Session, document_id: str | None, pdf: bytes | None) -> EnforcementDocument:
    """The signed document named, or the one whose signed PDF has these bytes."""
    if document_id is not None:
        document = session.get(EnforcementDocument, document_id)
        if document is None or document.pdf_sha256 is None:
            raise NotFound(f"no signed enforcement document {document_id}")
        if pdf is not None and hashlib.sha256(pdf).hexdigest() != document.pdf_sha256:
            raise Unprocessable.field(
                "pdf",
                f"is not {document_id} as signed: its SHA-256 is {hashlib.sha256(pdf).hexdigest()}, "
                f"the signed PDF's {document.pdf_sha256} (altered, or another document)",
            )
        return document
    if pdf is None:
        raise Unprocessable.field("pdf", "send the PDF, or ask by the document's number")
    digest = hashlib.sha256(pdf).hexdigest()
    found = session.exec(select(EnforcementDocument).where(EnforcementDocument.pdf_sha256 == digest)).first()
    if found is None:
        raise Unprocessable.field(
            "pdf",
            f"matches no signed enforcement document (SHA-256 {digest}): altered, or never signed",
        )
    return found


def check_signature(signed: DocumentSigned, key: SigningKeyRegistered, pdf: bytes) -> None:
    """The recorded signature over ``pdf`` with the key the inspector registered; raises Defect."""
    if key.public_key != signed.public_key or key.inspector_id != signed.inspector_id:
        raise Defect(
            f"{signed.document_id} names a key its inspector did not register ({signed.key_record_id})"
        )
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(signed.public_key)).verify(
            base64.b64decode(signed.signature), pdf
        )
    except InvalidSignature as exc:
        raise Defect(f"the signature of {signed.document_id} does not verify over its PDF") from exc


def check_document(
    services: Services, session: Session, document_id: str | None, pdf: bytes | None
) -> DocumentCheck:
    """The document checked in full: its signature, its key, and each record against the ledger
    and the root anchored on chain."""
    return check_signed(
        services.ledger,
        services.settings.documents_dir,
        session,
        document_id,
        pdf,
        lambda record_id: record_proof(services, record_id),
    )


def check_signed(
    ledger: Ledger,
    documents_dir: Path,
    session: Session,
    document_id: str | None,
    pdf: bytes | None,
    prove: Callable[[str], dict[str, Any]],
) -> DocumentCheck:
    """The document's signature and key checked, and each of its records by ``prove`` (a record's
    id to its check, with a ``status``)."""
    document = find_signed(session, document_id, pdf)
    assert document.signed_record_id is not None
    assert document.pdf_sha256 is not None
    conn = session.connection()
    signed = DocumentSigned.of(ledger.get(document.signed_record_id, conn=conn))
    key = SigningKeyRegistered.of(ledger.get(signed.key_record_id, conn=conn))
    stored = pdf if pdf is not None else document_path(documents_dir, document.pdf_sha256).read_bytes()
    check_signature(signed, key, stored)
    issued = DocumentIssued.of(ledger.get(document.issued_record_id, conn=conn))
    countersigned = (
        DocumentCountersigned.of(ledger.get(document.countersigned_record_id, conn=conn))
        if document.status == DocumentStatus.delivered.value and document.countersigned_record_id
        else None
    )
    record_ids = {
        "issued": document.issued_record_id,
        "signed": document.signed_record_id,
        "key": signed.key_record_id,
        "inspection": issued.inspection_record_id,
    }
    if document.countersigned_record_id:
        record_ids["countersigned"] = document.countersigned_record_id
    proofs = {name: prove(record_id) for name, record_id in record_ids.items()}
    statuses = {p["status"] for p in proofs.values()}
    proven = "failed" if "failed" in statuses else "pending" if "pending" in statuses else "verified"
    return DocumentCheck(document, issued, signed, countersigned, proven, proofs)
