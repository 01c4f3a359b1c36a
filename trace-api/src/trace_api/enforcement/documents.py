"""Paperless enforcement documents (无纸化执法文书): drawn up from an inspection
(``inspection.document_issued``), signed by the inspector's own Ed25519 key over the PDF's bytes
(``inspection.document_signed``: the server renders the same bytes again and checks the signature
with the key the inspector registered before it records anything), and countersigned by the
inspected party on site with a handwritten signature image and a photo taken at signing
(``inspection.document_countersigned``), which delivers it to the party (its webhooks and MQTT
topic, after commit, through the notices outbox).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlmodel import Session, col, select

from evidence import Actor, utc_datetime, utc_now, write_transaction

from ..devices import TOPIC_ROOT
from ..documents.service import document_path
from ..errors import Conflict, Forbidden, NotFound, Unprocessable
from ..notices import owe_notice
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..paperwork.applicants import china_date
from ..paperwork.materials import Upload, store_file
from ..paperwork.papers import ledger_mark
from ..services import Services
from .evidence import MAX_PHOTO_BYTES, evidence_type
from .facts import DocumentCountersigned, DocumentIssued, DocumentSigned, InspectionRecorded, SignatureFile
from .inputs import DocumentIn, SignatureIn
from .inspectors import inspector_of
from .models import (
    DOCUMENT_SUFFIX,
    DocumentKind,
    DocumentStatus,
    EnforcementDocument,
    EnforcementInspection,
    Inspector,
)
from .pdfs import VERIFY_PATH, render_document
from .service import get_inspection, inspection_record, may_see, recorded_fact

DOCUMENT_PATTERN = r"^JC-\d{8}-\d{4,}-(BL|ZG)$"
#: What a document's delivery is called on the party's webhooks and MQTT messages.
DELIVERY_EVENT = "inspection.document_delivered"


def document_topic(org_handle: str) -> str:
    return f"{TOPIC_ROOT}/{org_handle}/enforcement"


@dataclass(frozen=True)
class Written:
    document: EnforcementDocument
    record_id: str
    #: False when the same step was sent again (a phone's queue replayed): nothing new recorded.
    created: bool = True


def _again(session: Session, document: EnforcementDocument, record_id: str) -> Written:
    session.expunge(document)
    return Written(document, record_id, created=False)


def _own_inspection(session: Session, member: Member, number: str) -> tuple[Inspector, EnforcementInspection]:
    inspector = inspector_of(session, member)
    inspection = get_inspection(session, member, number)
    if inspection.inspector_id != inspector.id:
        raise Forbidden(f"inspection {number} was recorded by another inspector; its documents are theirs")
    return inspector, inspection


def get_document(session: Session, member: Member, document_id: str) -> EnforcementDocument:
    found = session.get(EnforcementDocument, document_id)
    inspection = session.get(EnforcementInspection, found.inspection_id) if found else None
    hidden = member.org.org_type is not OrgType.regulator and found is not None and found.delivered_at is None
    if found is None or inspection is None or hidden or not may_see(member, inspection):
        raise NotFound(f"no enforcement document {document_id} that this caller may see")
    return found


def _own_document(
    session: Session, member: Member, document_id: str
) -> tuple[Inspector, EnforcementDocument]:
    inspector = inspector_of(session, member)
    document = get_document(session, member, document_id)
    if document.inspector_id != inspector.id:
        raise Forbidden(f"{document_id} was drawn up by another inspector; only they sign it")
    return inspector, document


def issue_document(services: Services, member: Member, number: str, data: DocumentIn) -> Written:
    """Draws up a document from the inspection (``inspection.document_issued``), once per kind."""
    if data.kind is DocumentKind.rectification_order:
        if data.deadline is None:
            raise Unprocessable.field("deadline", "an order to rectify needs a deadline")
        if not (data.requirements or "").strip():
            raise Unprocessable.field("requirements", "an order to rectify says what the party must do")
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        inspector, inspection = _own_inspection(session, member, number)
        document_id = f"{inspection.id}-{DOCUMENT_SUFFIX[data.kind]}"
        existing = session.get(EnforcementDocument, document_id)
        if existing is not None:
            earlier = DocumentIssued.of(
                services.ledger.get(existing.issued_record_id, conn=session.connection())
            )
            wanted = (data.deadline, (data.requirements or "").strip() or None)
            if (
                data.kind is DocumentKind.inspection_record
                or (earlier.deadline, earlier.requirements) == wanted
            ):
                return _again(session, existing, existing.issued_record_id)
            raise Conflict(
                f"inspection {number} has its {data.kind.value} already, with other terms: {document_id}"
            )
        if data.kind is DocumentKind.rectification_order and inspection.failed_items == 0:
            raise Conflict(f"inspection {number} found nothing to rectify: every item passed")
        moment = utc_now()
        at = utc_datetime(moment)
        if data.deadline is not None and data.deadline <= china_date(at):
            raise Unprocessable.field("deadline", "must be after today")
        fact = DocumentIssued(
            document_id=document_id, document_kind=data.kind.value, inspection_id=inspection.id,
            inspection_record_id=inspection.record_id, inspector_id=inspector.id, badge_no=inspector.badge_no,
            issued_on=china_date(at),
            deadline=data.deadline if data.kind is DocumentKind.rectification_order else None,
            requirements=(data.requirements or "").strip() or None
            if data.kind is DocumentKind.rectification_order
            else None,
        )  # fmt: skip
        record_id = f"inspection:{document_id}:issued"
        party = session.get(Organisation, inspection.party_org_id)
        assert party is not None
        actor = Actor(org=member.org.uscc, key_id=member.key_id)
        record = inspection_record(inspection.id, party.uscc, record_id, fact, actor, moment, document_id)
        services.ledger.append(record, conn=session.connection())
        document = EnforcementDocument(
            id=document_id, inspection_id=inspection.id, kind=data.kind.value,
            status=DocumentStatus.issued.value, jurisdiction=inspection.jurisdiction,
            party_org_id=inspection.party_org_id, inspector_id=inspector.id, issued_at=at,
            issued_record_id=record_id,
        )  # fmt: skip
        session.add(document)
        session.flush()
        session.refresh(document)
        session.expunge(document)
    return Written(document, record_id)


def document_pdf(services: Services, session: Session, document: EnforcementDocument) -> bytes:
    """The document's PDF: once signed, the bytes signed; before, rendered from its records."""
    if document.pdf_sha256 is not None:
        return document_path(services.settings.documents_dir, document.pdf_sha256).read_bytes()
    return render_pdf(services, session, document)


def render_pdf(services: Services, session: Session, document: EnforcementDocument) -> bytes:
    conn = session.connection()
    issued = DocumentIssued.of(services.ledger.get(document.issued_record_id, conn=conn))
    inspection = session.get(EnforcementInspection, document.inspection_id)
    assert inspection is not None
    recorded: InspectionRecorded = recorded_fact(services.ledger, session, inspection)
    return render_document(issued, recorded, ledger_mark(services.ledger, session, document.issued_record_id))


def sign_document(services: Services, member: Member, document_id: str, data: SignatureIn) -> Written:
    """Records the inspector's signature over the document's PDF once it verifies with the key
    they registered; a wrong key or other bytes are refused (422) and nothing is recorded."""
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        inspector, document = _own_document(session, member, document_id)
        if document.status != DocumentStatus.issued.value:
            assert document.signed_record_id is not None
            signed = DocumentSigned.of(
                services.ledger.get(document.signed_record_id, conn=session.connection())
            )
            if (signed.signature, signed.pdf_sha256) == (data.signature, data.pdf_sha256):
                return _again(session, document, document.signed_record_id)
            raise Conflict(f"{document_id} is signed already, with another signature")
        if inspector.public_key is None or inspector.key_record_id is None:
            raise Conflict(
                f"{inspector.badge_no} has no signing key; PUT /v1/enforcement/inspectors/me/signing-key"
            )
        pdf = render_pdf(services, session, document)
        digest = hashlib.sha256(pdf).hexdigest()
        if data.pdf_sha256 != digest:
            raise Unprocessable.field(
                "pdf_sha256", f"is not the SHA-256 of {document_id}'s PDF ({digest}): sign the PDF as served"
            )
        raw_key = bytes.fromhex(inspector.public_key)
        try:
            Ed25519PublicKey.from_public_bytes(raw_key).verify(base64.b64decode(data.signature), pdf)
        except InvalidSignature as exc:
            raise Unprocessable.field(
                "signature",
                f"does not verify over {document_id}'s PDF with {inspector.badge_no}'s registered key "
                f"(SHA-256 {hashlib.sha256(raw_key).hexdigest()}): signed with another key or other bytes",
            ) from exc
        store_file(services.settings.documents_dir, pdf, digest)
        inspection = session.get(EnforcementInspection, document.inspection_id)
        party = session.get(Organisation, document.party_org_id)
        assert inspection is not None
        assert party is not None
        fact = DocumentSigned(
            document_id=document_id, inspection_id=inspection.id, pdf_sha256=digest, pdf_size=len(pdf),
            algorithm="Ed25519", signature=data.signature, public_key=raw_key.hex(),
            key_sha256=hashlib.sha256(raw_key).hexdigest(), key_record_id=inspector.key_record_id,
            inspector_id=inspector.id, badge_no=inspector.badge_no,
        )  # fmt: skip
        record_id = f"inspection:{document_id}:signed"
        moment = utc_now()
        actor = Actor(org=member.org.uscc, key_id=member.key_id)
        record = inspection_record(inspection.id, party.uscc, record_id, fact, actor, moment, document_id)
        services.ledger.append(record, conn=session.connection())
        document.status = DocumentStatus.signed.value
        document.pdf_sha256 = digest
        document.signed_at = utc_datetime(moment)
        document.signed_record_id = record_id
        session.add(document)
        session.flush()
        session.refresh(document)
        session.expunge(document)
    return Written(document, record_id)


def _signature_file(upload: Upload) -> SignatureFile:
    media_type = evidence_type(upload.data)
    if media_type not in ("image/png", "image/jpeg"):
        raise Unprocessable.field(
            upload.field, f"{upload.filename or 'the file'} is not a JPEG or PNG picture"
        )
    if len(upload.data) > MAX_PHOTO_BYTES:
        raise Unprocessable.field(upload.field, f"is larger than {MAX_PHOTO_BYTES // 2**20} MiB")
    return SignatureFile(
        sha256=hashlib.sha256(upload.data).hexdigest(), content_type=media_type, size=len(upload.data)
    )


def countersign_document(
    services: Services,
    member: Member,
    document_id: str,
    signer_name: str,
    signature_image: Upload,
    photo: Upload,
) -> Written:
    """The party's countersignature, taken on the inspector's phone; delivers the document to the
    party (``inspection.document_delivered`` on its webhooks and MQTT topic, after commit)."""
    if not signer_name.strip():
        raise Unprocessable.field("signer_name", "is blank")
    image_file, photo_file = _signature_file(signature_image), _signature_file(photo)
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        _, document = _own_document(session, member, document_id)
        if document.status == DocumentStatus.issued.value:
            raise Conflict(
                f"{document_id} is not signed by the inspector yet; the party countersigns a signed PDF"
            )
        if document.status == DocumentStatus.delivered.value:
            assert document.countersigned_record_id is not None
            earlier = DocumentCountersigned.of(
                services.ledger.get(document.countersigned_record_id, conn=session.connection())
            )
            if (earlier.signature_image.sha256, earlier.photo.sha256) == (
                image_file.sha256,
                photo_file.sha256,
            ):
                return _again(session, document, document.countersigned_record_id)
            raise Conflict(f"{document_id} is countersigned and delivered already")
        assert document.pdf_sha256 is not None
        for upload, filed in ((signature_image, image_file), (photo, photo_file)):
            store_file(services.settings.documents_dir, upload.data, filed.sha256)
        party = session.get(Organisation, document.party_org_id)
        assert party is not None
        fact = DocumentCountersigned(
            document_id=document_id, inspection_id=document.inspection_id, pdf_sha256=document.pdf_sha256,
            signer_name=signer_name.strip(), signature_image=image_file, photo=photo_file, party=party.handle,
        )  # fmt: skip
        record_id = f"inspection:{document_id}:countersigned"
        moment = utc_now()
        at = utc_datetime(moment)
        actor = Actor(org=member.org.uscc, key_id=member.key_id)
        record = inspection_record(
            document.inspection_id, party.uscc, record_id, fact, actor, moment, document_id
        )
        services.ledger.append(record, conn=session.connection())
        document.status = DocumentStatus.delivered.value
        document.delivered_at = at
        document.countersigned_record_id = record_id
        session.add(document)
        owe_notice(
            session, event=DELIVERY_EVENT, org=party, topic=document_topic(party.handle),
            message=delivery_message(document, record_id), record_id=record_id,
            mqtt_url=services.settings.mqtt_url, now=at,
        )  # fmt: skip
        session.flush()
        session.refresh(document)
        session.expunge(document)
    return Written(document, record_id)


def delivery_message(document: EnforcementDocument, record_id: str) -> dict[str, Any]:
    return {
        "event": DELIVERY_EVENT,
        "document_id": document.id,
        "kind": document.kind,
        "inspection_id": document.inspection_id,
        "pdf_sha256": document.pdf_sha256,
        "pdf_url": f"/v1/enforcement/documents/{document.id}/pdf",
        "verification_path": f"{VERIFY_PATH}{document.id}",
        "record_id": record_id,
    }


def list_documents(
    session: Session, member: Member, inspection: str | None = None, limit: int = 100
) -> list[EnforcementDocument]:
    """Newest first: a regulator's jurisdiction's; the inspected organisation's delivered ones;
    of one inspection if ``inspection`` names it."""
    query = select(EnforcementDocument)
    if inspection:
        query = query.where(EnforcementDocument.inspection_id == inspection)
    if member.org.org_type is OrgType.regulator:
        query = query.where(EnforcementDocument.jurisdiction == member.org.jurisdiction)
    else:
        query = query.where(
            EnforcementDocument.party_org_id == member.org.id,
            EnforcementDocument.status == DocumentStatus.delivered.value,
        )
    query = query.order_by(col(EnforcementDocument.issued_at).desc(), col(EnforcementDocument.id).desc())
    return list(session.exec(query.limit(limit)))


def describe_document(document: EnforcementDocument) -> dict[str, Any]:
    data = document.model_dump(mode="json", exclude={"party_org_id", "inspector_id"})
    data["pdf_url"] = f"/v1/enforcement/documents/{document.id}/pdf"
    data["verification_path"] = f"{VERIFY_PATH}{document.id}"
    return data
