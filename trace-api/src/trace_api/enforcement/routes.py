"""``/v1/enforcement``: mobile enforcement (移动执法). Regulators add inspectors; an inspector,
with their own key, registers the public key their documents are signed with and records on-site
inspections from a template, with photos and video as evidence.

An inspection is ``multipart/form-data``: the field ``inspection`` holds its JSON
(:class:`~.inputs.InspectionIn`) and each ``evidence`` field one file its findings name by SHA-256.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import ValidationError
from sqlmodel import Session

from ..auth import AnyKey
from ..context import get_services, get_session
from ..documents.service import document_path
from ..errors import NotFound, Unprocessable
from ..paperwork.materials import Upload
from ..paperwork.routes import material_response, pdf_response
from ..params import DEFAULT_LIMIT, Cursor, Limit
from ..selfcheck.reads import list_tasks
from ..selfcheck.service import describe_task
from ..services import Services
from . import pages
from .checklists import CHECKLISTS, get_checklist
from .documents import (
    countersign_document,
    describe_document,
    document_pdf,
    get_document,
    issue_document,
    list_documents,
    sign_document,
)
from .evidence import MAX_PHOTO_BYTES, MAX_VIDEO_BYTES
from .inputs import DocumentIn, InspectionIn, InspectorIn, SignatureIn, SigningKeyIn
from .inspectors import add_inspector, describe_inspector, inspector_of, list_inspectors, register_signing_key
from .recording import evidence_of, record_inspection
from .service import describe_in_full, describe_inspection, get_inspection, list_inspections
from .verification import check_document

api = APIRouter(prefix="/v1/enforcement", tags=["enforcement"])

SessionDep = Annotated[Session, Depends(get_session)]
ServicesDep = Annotated[Services, Depends(get_services)]


@api.get("/templates")
def templates() -> dict[str, Any]:
    """The inspection templates (检查表): per inspection type, the items with their legal basis."""
    return {"templates": [c.describe() for c in CHECKLISTS.values()]}


@api.get("/templates/{code}")
def template(code: str) -> dict[str, Any]:
    return get_checklist(code).describe()


@api.post("/inspectors", status_code=201)
def add(data: InspectorIn, member: AnyKey, services: ServicesDep) -> dict[str, Any]:
    """A regulator's member key adds an inspector: answers the inspector's API key, shown only
    here. Recorded as ``inspection.inspector_added``."""
    done = add_inspector(services, member, data)
    return {**describe_inspector(done.inspector), "api_key": done.api_key, "record_id": done.record_id}


@api.get("/inspectors")
def inspectors(member: AnyKey, session: SessionDep) -> dict[str, Any]:
    """The calling regulator's inspectors."""
    return {"inspectors": [describe_inspector(i) for i in list_inspectors(session, member)]}


@api.get("/inspectors/me")
def me(member: AnyKey, session: SessionDep) -> dict[str, Any]:
    """The inspector whose key calls."""
    return describe_inspector(inspector_of(session, member))


@api.put("/inspectors/me/signing-key")
def signing_key(data: SigningKeyIn, member: AnyKey, services: ServicesDep) -> dict[str, Any]:
    """The inspector registers their Ed25519 public key (the private key never leaves their
    device). Recorded as ``inspection.signing_key_registered``."""
    inspector, record_id = register_signing_key(services, member, data)
    return {**describe_inspector(inspector), "record_id": record_id}


def read_evidence(files: list[UploadFile] | None) -> list[Upload]:
    uploads = []
    for file in files or []:
        data = file.file.read(MAX_VIDEO_BYTES + 1)
        uploads.append(Upload("evidence", "evidence", file.filename or "", data))
    return uploads


def parse_inspection(text: str) -> InspectionIn:
    try:
        return InspectionIn.model_validate_json(text)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(["inspection", *(str(p) for p in e["loc"])]), "reason": e["msg"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        raise Unprocessable(detail, errors=errors) from exc


@api.post("/inspections", status_code=201)
def record(
    inspection: Annotated[str, Form(description="the inspection's JSON (InspectionIn)")],
    member: AnyKey,
    services: ServicesDep,
    session: SessionDep,
    response: Response,
    evidence: list[UploadFile] | None = None,
) -> dict[str, Any]:
    """An inspector records an on-site inspection: the party filled in from the registry, a
    finding for every template item, photos and video (JPEG, PNG 10 MiB; MP4, WebM 50 MiB).
    Recorded as ``inspection.recorded``. The same ``client_id`` again answers 200 with the
    inspection recorded the first time."""
    done = record_inspection(services, member, parse_inspection(inspection), read_evidence(evidence))
    if not done.created:
        response.status_code = 200
    return describe_in_full(services.ledger, session, done.inspection)


@api.get("/tasks")
def tasks(
    member: AnyKey,
    session: SessionDep,
    status: Annotated[Literal["open", "done", "all"], Query(description="open: not yet inspected")] = "open",
) -> dict[str, Any]:
    """The on-site inspection tasks (现场检查任务) self-inspection's data-quality flags opened in the
    caller's jurisdiction, newest first: an inspector's to do. An inspection naming one
    (``task`` in its JSON) does it. Inspectors and regulators only."""
    done = None if status == "all" else status == "done"
    found = list_tasks(session, member, jurisdiction=member.org.jurisdiction, done=done)
    return {"tasks": [describe_task(session, t) for t in found]}


@api.get("/inspections")
def inspections(
    member: AnyKey,
    session: SessionDep,
    party: Annotated[str | None, Query(max_length=64, description="the inspected party's handle")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Inspections, newest first: a regulator's jurisdiction's; an organisation's own."""
    found, next_cursor = list_inspections(session, member, party, limit, cursor)
    return {"inspections": [describe_inspection(session, i) for i in found], "next_cursor": next_cursor}


@api.get("/inspections/{number}")
def inspection(number: str, member: AnyKey, services: ServicesDep, session: SessionDep) -> dict[str, Any]:
    """The inspection with every finding and its evidence, as its ledger record holds them."""
    return describe_in_full(services.ledger, session, get_inspection(session, member, number))


@api.get("/inspections/{number}/evidence/{sha256}", response_class=FileResponse)
def evidence_file(
    number: str, sha256: str, member: AnyKey, services: ServicesDep, session: SessionDep
) -> FileResponse:
    """One photo or video of the inspection, as taken."""
    found = get_inspection(session, member, number)
    media_type = evidence_of(services, session, found, sha256)
    path = document_path(services.settings.documents_dir, sha256)
    if not path.is_file():
        raise NotFound(f"the evidence {sha256} of {number} is missing from the documents folder")
    return material_response(path, media_type, sha256)


@api.post("/inspections/{number}/documents", status_code=201)
def issue(
    number: str, data: DocumentIn, member: AnyKey, services: ServicesDep, response: Response
) -> dict[str, Any]:
    """The inspection's inspector draws up its record (``inspection_record``, 现场检查笔录) or an
    order to rectify (``rectification_order``, 责令改正通知书, with ``deadline`` and
    ``requirements``). Recorded as ``inspection.document_issued``; then GET its PDF, sign the
    bytes with the inspector's own key and POST the signature."""
    done = issue_document(services, member, number, data)
    if not done.created:
        response.status_code = 200
    return {**describe_document(done.document), "record_id": done.record_id}


@api.get("/documents")
def documents(
    member: AnyKey,
    session: SessionDep,
    inspection: Annotated[str | None, Query(max_length=40, description="only this inspection's")] = None,
) -> dict[str, Any]:
    """Enforcement documents, newest first (100 at most): a regulator's jurisdiction's; those
    delivered to the calling organisation."""
    return {"documents": [describe_document(d) for d in list_documents(session, member, inspection)]}


@api.get("/documents/{document_id}")
def document(document_id: str, member: AnyKey, session: SessionDep) -> dict[str, Any]:
    return describe_document(get_document(session, member, document_id))


@api.get(
    "/documents/{document_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def pdf(document_id: str, member: AnyKey, services: ServicesDep, session: SessionDep) -> Response:
    """The document's PDF: the bytes the inspector signs (the same every time), or signed."""
    found = get_document(session, member, document_id)
    return pdf_response(document_pdf(services, session, found), f"{document_id}.pdf")


@api.post("/documents/{document_id}/signature", status_code=201)
def signature(
    document_id: str, data: SignatureIn, member: AnyKey, services: ServicesDep, response: Response
) -> dict[str, Any]:
    """The inspector's Ed25519 signature over the PDF's bytes (made on their device): checked with
    their registered key before ``inspection.document_signed`` is recorded."""
    done = sign_document(services, member, document_id, data)
    if not done.created:
        response.status_code = 200
    return {**describe_document(done.document), "record_id": done.record_id}


@api.post("/documents/{document_id}/countersignature", status_code=201)
def countersignature(
    document_id: str,
    signer_name: Annotated[str, Form(max_length=50, description="当事人签名人姓名")],
    signature_image: UploadFile,
    photo: UploadFile,
    member: AnyKey,
    services: ServicesDep,
    response: Response,
) -> dict[str, Any]:
    """The party countersigns on the inspector's phone: the handwritten signature (PNG or JPEG) and
    a photo taken at signing. Recorded as ``inspection.document_countersigned``; the document is
    delivered to the party (``inspection.document_delivered`` on its webhooks and MQTT topic)."""
    image = Upload(
        "signature_image",
        "signature_image",
        signature_image.filename or "",
        signature_image.file.read(MAX_PHOTO_BYTES + 1),
    )
    taken = Upload("photo", "photo", photo.filename or "", photo.file.read(MAX_PHOTO_BYTES + 1))
    done = countersign_document(services, member, document_id, signer_name, image, taken)
    if not done.created:
        response.status_code = 200
    return {**describe_document(done.document), "record_id": done.record_id}


@api.post("/verify")
def verify(
    services: ServicesDep,
    session: SessionDep,
    pdf: UploadFile | None = None,
    document_id: Annotated[str | None, Form(max_length=48)] = None,
) -> dict[str, Any]:
    """Open to anyone: checks an enforcement document, sent as its PDF and/or named by number: the
    inspector's signature over the bytes, the key's registration, and each record's inclusion
    proof and anchored root. An altered PDF is refused (422, ``pdf``)."""
    data = pdf.file.read(MAX_VIDEO_BYTES + 1) if pdf is not None else None
    return check_document(services, session, document_id, data).as_json()


#: The API's routes and the documents' public verification page, as the application includes them.
router = APIRouter()
router.include_router(api)
router.include_router(pages.router)
