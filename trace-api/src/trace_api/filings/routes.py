"""``/v1/filings``: small food business filings (三小一摊登记), their review and their daily inspections.

An application is ``multipart/form-data``: the form's fields and the materials as files. It is
open to anyone: a member organisation applies for itself with its API key; a person without
membership sends no key and gets a query code, shown once in the answer. The person then reads
the filing, supplements it and downloads its certificate or decision with the acceptance number
in the path and the code in the ``X-Query-Code`` header. Regulators see every filing; those of
the filing's jurisdiction review and inspect it. :data:`router` also serves the certificates'
public verification page (:mod:`.pages`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, UploadFile
from fastapi.responses import FileResponse, Response
from sqlmodel import Session

from ..auth import CurrentMember, Regulator
from ..context import get_services, get_session
from ..documents.models import Document
from ..documents.service import document_path
from ..errors import NotFound
from ..paperwork.applicants import jurisdictions
from ..paperwork.materials import Upload
from ..paperwork.routes import (
    CALLER_PROBLEMS,
    MATERIAL_ANSWER,
    OPTIONAL_KEY,
    PDF_ANSWER,
    CallerDep,
    OptionalMember,
    material_response,
    pdf_response,
    read_uploads,
)
from ..params import DEFAULT_LIMIT, Cursor, Limit
from ..services import Services
from . import pages
from .certificates import certificate_pdf, decision_pdf
from .inputs import FilingIn, InspectionIn, ReviewIn
from .inspections import describe_inspection, inspect_filing, list_inspections
from .models import BusinessType, FilingMaterial, MaterialKind
from .reviews import review_filing
from .service import (
    FilingQuery,
    StatusFilter,
    describe_filing,
    describe_in_full,
    describe_material,
    get_filing,
    list_filings,
)
from .submission import FIELDS, submit_filing, supplement_filing

api = APIRouter(prefix="/v1/filings", tags=["filings"])

SessionDep = Annotated[Session, Depends(get_session)]
ServicesDep = Annotated[Services, Depends(get_services)]


def _read(kind: MaterialKind, files: list[UploadFile] | UploadFile | None) -> list[Upload]:
    return read_uploads(kind.value, FIELDS[kind], files)


@api.get("/jurisdictions")
def filing_jurisdictions(session: SessionDep) -> dict[str, list[str]]:
    """Where a filing may be filed: the jurisdictions of the active market regulators (open to anyone)."""
    return {"jurisdictions": jurisdictions(session)}


@api.post("", status_code=201, responses=CALLER_PROBLEMS, openapi_extra=OPTIONAL_KEY)
def submit(
    data: Annotated[FilingIn, Form()],
    id_document: UploadFile,
    premises_proof: UploadFile,
    health_certificates: list[UploadFile],
    member: OptionalMember,
    services: ServicesDep,
    session: SessionDep,
    layout: UploadFile | None = None,
    other: list[UploadFile] | None = None,
) -> dict[str, Any]:
    """Apply for registration (登记申请) with the materials: the operator's identity document, proof
    of the premises, the staff's health certificates, for a workshop or a small restaurant its
    layout and process, and anything else (PDF, JPEG or PNG, 10 MiB each). Answers the acceptance
    number (办件流水号); without an API key also the query code, shown only here. Recorded as
    ``filing.submitted``."""
    uploads = [
        *_read(MaterialKind.id_document, id_document),
        *_read(MaterialKind.premises_proof, premises_proof),
        *_read(MaterialKind.health_certificate, health_certificates),
        *_read(MaterialKind.layout, layout),
        *_read(MaterialKind.other, other),
    ]
    done = submit_filing(services, member, data, uploads)
    body = describe_filing(session, done.filing)
    body["materials"] = [describe_material(done.filing, m) for m in done.materials]
    if done.query_code is not None:
        body["query_code"] = done.query_code
    return body


@api.get("")
def filings(
    member: CurrentMember,
    session: SessionDep,
    status: StatusFilter = "all",
    business_type: BusinessType | None = None,
    jurisdiction: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=100, description="part of a name or number")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Filings, newest first, a page at a time: every one for a regulator, the organisation's own
    for another member. ``status``: ``pending`` is what awaits a regulator (submitted or accepted)."""
    wanted = FilingQuery(status, business_type, jurisdiction, q.strip() if q else None)
    found, next_cursor = list_filings(session, member, wanted, limit, cursor)
    return {"filings": [describe_filing(session, f) for f in found], "next_cursor": next_cursor}


@api.get("/{number}", responses=CALLER_PROBLEMS, openapi_extra=OPTIONAL_KEY)
def filing(number: str, caller: CallerDep, services: ServicesDep, session: SessionDep) -> dict[str, Any]:
    """The filing with its materials and its history from the ledger (each step's record, leaf
    hash and payload: the reviewers' opinions, what to supplement)."""
    return describe_in_full(services.ledger, session, get_filing(session, caller, number))


@api.get(
    "/{number}/materials/{material_id}",
    response_class=FileResponse,
    responses=MATERIAL_ANSWER,
    openapi_extra=OPTIONAL_KEY,
)
def material(
    number: str, material_id: str, caller: CallerDep, services: ServicesDep, session: SessionDep
) -> FileResponse:
    """One of the filing's materials, as uploaded."""
    found = get_filing(session, caller, number)
    row = session.get(FilingMaterial, material_id)
    path = document_path(services.settings.documents_dir, row.sha256) if row else None
    if row is None or row.filing_id != found.id or path is None or not path.is_file():
        raise NotFound(f"filing {number} has no material {material_id}")
    return material_response(path, row.content_type, row.filename)


@api.post("/{number}/reviews", status_code=201)
def review(
    number: str, data: ReviewIn, regulator: Regulator, services: ServicesDep, session: SessionDep
) -> dict[str, Any]:
    """A regulator of the filing's jurisdiction takes its step, with an opinion: ``accept`` (受理),
    ``request_more`` (补正: ``requested`` names the materials), ``approve`` (准予: the registration
    certificate, valid ``valid_years``) or ``refuse`` (不予: the opinion states the reasons).
    Recorded as ``filing.accepted``, ``filing.more_requested``, ``filing.approved`` or ``filing.refused``."""
    done = review_filing(services, regulator, number, data)
    return {
        **describe_filing(session, done.filing),
        "record_id": done.record_id,
        "ledger_index": done.ledger_index,
    }


@api.post("/{number}/supplements", status_code=201, responses=CALLER_PROBLEMS, openapi_extra=OPTIONAL_KEY)
def supplement(
    number: str,
    note: Annotated[str, Form(max_length=2000, description="what the supplement brings")],
    caller: CallerDep,
    services: ServicesDep,
    session: SessionDep,
    id_document: UploadFile | None = None,
    premises_proof: UploadFile | None = None,
    health_certificates: list[UploadFile] | None = None,
    layout: UploadFile | None = None,
    other: list[UploadFile] | None = None,
) -> dict[str, Any]:
    """The applicant's supplement (补正) answering a request for more materials: a note and at least
    one document. The filing goes back to review. Recorded as ``filing.supplemented``."""
    uploads = [
        *_read(MaterialKind.id_document, id_document),
        *_read(MaterialKind.premises_proof, premises_proof),
        *_read(MaterialKind.health_certificate, health_certificates),
        *_read(MaterialKind.layout, layout),
        *_read(MaterialKind.other, other),
    ]
    found, rows = supplement_filing(services, caller, number, note, uploads)
    return {**describe_filing(session, found), "materials": [describe_material(found, m) for m in rows]}


@api.post("/{number}/inspections", status_code=201)
def inspect(
    number: str, data: InspectionIn, regulator: Regulator, services: ServicesDep, session: SessionDep
) -> dict[str, Any]:
    """A daily inspection (日常检查) of the registered business by a regulator of its jurisdiction:
    the result, each item checked, notes, and a photo uploaded first (``POST /v1/documents``).
    Recorded as ``filing.inspected``."""
    return describe_inspection(session, inspect_filing(services, regulator, number, data))


@api.get("/{number}/inspections", responses=CALLER_PROBLEMS, openapi_extra=OPTIONAL_KEY)
def inspections(number: str, caller: CallerDep, session: SessionDep) -> dict[str, Any]:
    """The business's inspections, newest first."""
    return {
        "inspections": [describe_inspection(session, i) for i in list_inspections(session, caller, number)]
    }


@api.get(
    "/{number}/inspections/{inspection_id}/photo",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}, **CALLER_PROBLEMS},
    openapi_extra=OPTIONAL_KEY,
)
def inspection_photo(
    number: str, inspection_id: str, caller: CallerDep, services: ServicesDep, session: SessionDep
) -> FileResponse:
    """The photo an inspection was recorded with."""
    found = next((i for i in list_inspections(session, caller, number) if i.id == inspection_id), None)
    if found is None or found.photo_sha256 is None:
        raise NotFound(f"filing {number} has no inspection {inspection_id} with a photo")
    document = session.get(Document, found.photo_sha256)
    path = document_path(services.settings.documents_dir, found.photo_sha256)
    if document is None or not path.is_file():
        raise NotFound(f"the photo of inspection {inspection_id} is not stored here")
    return FileResponse(path, media_type=document.content_type, headers={"X-Content-Type-Options": "nosniff"})


@api.get(
    "/{number}/certificate.pdf", response_class=Response, responses=PDF_ANSWER, openapi_extra=OPTIONAL_KEY
)
def certificate(number: str, caller: CallerDep, services: ServicesDep, session: SessionDep) -> Response:
    """The registration certificate (登记证) of an approved filing: A4, with a QR code that opens its
    public verification page (``/filing-certificates/{certificate number}``)."""
    return pdf_response(*certificate_pdf(services.ledger, services.settings, session, caller, number))


@api.get("/{number}/decision.pdf", response_class=Response, responses=PDF_ANSWER, openapi_extra=OPTIONAL_KEY)
def decision(number: str, caller: CallerDep, services: ServicesDep, session: SessionDep) -> Response:
    """The refusal decision (不予许可决定书) of a refused filing: its reasons, and the applicant's right
    to administrative reconsideration or litigation."""
    return pdf_response(*decision_pdf(services.ledger, session, caller, number))


#: The API's routes and the public verification page, as the application includes them.
router = APIRouter()
router.include_router(api)
router.include_router(pages.router)
