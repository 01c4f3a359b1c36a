"""``/v1/permits``: food business permit applications (食品经营许可), their review, and the
certificates issued, suspended, reinstated and revoked.

An application is ``multipart/form-data``: the form's fields (the declaration accepted) and the
materials as files. A member organisation applies with its API key; a person without membership
sends none and gets a query code, shown once, to read the application and download its permit
(``X-Query-Code``). Regulators see every application; those of its jurisdiction review it and act
on its certificate. :data:`router` also serves the permits' public verification page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, UploadFile
from fastapi.responses import FileResponse, Response
from sqlmodel import Session

from ..auth import CurrentMember, Regulator
from ..context import get_services, get_session
from ..documents.service import document_path
from ..errors import NotFound
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
from .actions import change_certificate
from .certificates import certificate_pdf
from .inputs import DECLARATION, CertificateActionIn, PermitIn, PermitReviewIn
from .models import BusinessFormat, MaterialKind, PermitMaterial
from .reviews import review_permit
from .service import (
    PermitQuery,
    StatusFilter,
    describe_in_full,
    describe_material,
    describe_permit,
    get_permit,
    list_permits,
)
from .submission import submit_permit

api = APIRouter(prefix="/v1/permits", tags=["permits"])

SessionDep = Annotated[Session, Depends(get_session)]
ServicesDep = Annotated[Services, Depends(get_services)]


@api.get("/declaration")
def declaration() -> dict[str, str]:
    """The declaration an applicant accepts (申请人承诺), as its application's record keeps it."""
    return {"declaration": DECLARATION}


@api.post("", status_code=201, responses=CALLER_PROBLEMS, openapi_extra=OPTIONAL_KEY)
def submit(
    data: Annotated[PermitIn, Form()],
    business_licence: UploadFile,
    id_document: UploadFile,
    premises_proof: UploadFile,
    layout: UploadFile,
    safety_rules: UploadFile,
    member: OptionalMember,
    services: ServicesDep,
    session: SessionDep,
    other: list[UploadFile] | None = None,
) -> dict[str, Any]:
    """Apply for a food business permit with the materials: the business licence, the legal
    representative's identity document, proof of the premises, the layout of its equipment and
    process, its food safety rules, and anything else (PDF, JPEG or PNG, 10 MiB each); and
    ``declaration=true``. Answers the application number; without an API key also the query
    code, shown only here. Recorded as ``permit.submitted``."""
    given = {
        MaterialKind.business_licence: business_licence, MaterialKind.id_document: id_document,
        MaterialKind.premises_proof: premises_proof, MaterialKind.layout: layout,
        MaterialKind.safety_rules: safety_rules, MaterialKind.other: other,
    }  # fmt: skip
    uploads = [
        upload for kind, files in given.items() for upload in read_uploads(kind.value, kind.value, files)
    ]
    done = submit_permit(services, member, data, uploads)
    body = describe_permit(session, done.permit)
    body["materials"] = [describe_material(done.permit, m) for m in done.materials]
    if done.query_code is not None:
        body["query_code"] = done.query_code
    return body


@api.get("")
def permits(
    member: CurrentMember,
    session: SessionDep,
    status: StatusFilter = "all",
    business_format: BusinessFormat | None = None,
    jurisdiction: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=100, description="part of a name or number")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Applications, newest first, a page at a time: every one for a regulator, the organisation's
    own for another member. ``pending``: what awaits a regulator."""
    wanted = PermitQuery(status, business_format, jurisdiction, q.strip() if q else None)
    found, next_cursor = list_permits(session, member, wanted, limit, cursor)
    return {"permits": [describe_permit(session, p) for p in found], "next_cursor": next_cursor}


@api.get("/{number}", responses=CALLER_PROBLEMS, openapi_extra=OPTIONAL_KEY)
def permit(number: str, caller: CallerDep, services: ServicesDep, session: SessionDep) -> dict[str, Any]:
    """The application with its materials and its history from the ledger (each step's record,
    leaf hash and payload: the reviewers' opinions, the certificate's changes and reasons)."""
    return describe_in_full(services.ledger, session, get_permit(session, caller, number))


@api.get(
    "/{number}/materials/{material_id}",
    response_class=FileResponse,
    responses=MATERIAL_ANSWER,
    openapi_extra=OPTIONAL_KEY,
)
def material(
    number: str, material_id: str, caller: CallerDep, services: ServicesDep, session: SessionDep
) -> FileResponse:
    """One of the application's materials, as uploaded."""
    found = get_permit(session, caller, number)
    row = session.get(PermitMaterial, material_id)
    path = document_path(services.settings.documents_dir, row.sha256) if row else None
    if row is None or row.permit_id != found.id or path is None or not path.is_file():
        raise NotFound(f"permit application {number} has no material {material_id}")
    return material_response(path, row.content_type, row.filename)


@api.post("/{number}/reviews", status_code=201)
def review(
    number: str, data: PermitReviewIn, regulator: Regulator, services: ServicesDep, session: SessionDep
) -> dict[str, Any]:
    """A regulator of the application's jurisdiction takes its step, with an opinion: ``accept``
    (受理), ``examine`` (审查), ``approve`` (准予许可: the permit, valid ``valid_years``) or
    ``refuse`` (不予许可: the opinion states the reasons). Recorded as ``permit.accepted``,
    ``permit.examined``, ``permit.approved`` or ``permit.refused``."""
    done = review_permit(services, regulator, number, data)
    return {
        **describe_permit(session, done.permit),
        "record_id": done.record_id,
        "ledger_index": done.ledger_index,
    }


@api.post("/{number}/certificate-actions", status_code=201)
def certificate_action(
    number: str, data: CertificateActionIn, regulator: Regulator, services: ServicesDep, session: SessionDep
) -> dict[str, Any]:
    """A regulator of the jurisdiction suspends (``suspend``), reinstates (``reinstate``) or
    revokes (``revoke``, final) the issued permit, with the reason its public page shows.
    Recorded as ``permit.suspended``, ``permit.reinstated`` or ``permit.revoked``."""
    done = change_certificate(services, regulator, number, data)
    return {
        **describe_permit(session, done.permit),
        "record_id": done.record_id,
        "ledger_index": done.ledger_index,
    }


@api.get(
    "/{number}/certificate.pdf", response_class=Response, responses=PDF_ANSWER, openapi_extra=OPTIONAL_KEY
)
def certificate(number: str, caller: CallerDep, services: ServicesDep, session: SessionDep) -> Response:
    """The food business permit (食品经营许可证) of an approved application: A4, with a QR code that
    opens its public verification page (``/permit-certificates/{permit number}``)."""
    return pdf_response(*certificate_pdf(services.ledger, services.settings, session, caller, number))


#: The API's routes and the public verification page, as the application includes them.
router = APIRouter()
router.include_router(api)
router.include_router(pages.router)
