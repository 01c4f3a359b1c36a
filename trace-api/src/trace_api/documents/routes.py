"""``/v1/documents``: upload once, store content-addressed, refer to by SHA-256."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, UploadFile
from fastapi.responses import FileResponse
from sqlmodel import Session, col, select

from ..auth import CurrentMember
from ..batches.models import Batch, Certificate
from ..context import Services, WriteSession, get_services, get_session
from ..orgs.models import OrgType
from ..orgs.service import Member
from ..problems import NotFound, Unprocessable
from .models import Document
from .service import document_path, store_document

router = APIRouter(prefix="/v1/documents", tags=["documents"])
MAX_BYTES = 20 * 1024 * 1024


@router.post("", status_code=201)
async def upload_document(
    file: UploadFile,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Store a document; uploading the same bytes again returns the same record."""
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Unprocessable.field("file", f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
    if not data:
        raise Unprocessable.field("file", "is empty")
    document = store_document(
        session,
        services.settings.documents_dir,
        data,
        file.content_type or "application/octet-stream",
        file.filename or "document",
        member.org.id,
    )
    session.commit()
    session.refresh(document)
    return document.model_dump(mode="json", exclude={"uploaded_by"})


#: What a stored document is served as (by its bytes, not by what the uploader said).
DOCUMENT_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/webp", "application/octet-stream")


@router.get(
    "/{sha256}",
    response_class=FileResponse,
    responses={200: {"content": {media_type: {} for media_type in DOCUMENT_TYPES}}},
)
def download_document(
    sha256: str,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
) -> FileResponse:
    """The document, for its uploader, regulators, and those who hold or admitted a batch citing it."""
    document = session.get(Document, sha256.lower())
    if document is None or not _may_read(session, member, document):
        raise NotFound(f"no document with SHA-256 {sha256} that {member.org.handle} may read")
    return FileResponse(
        document_path(services.settings.documents_dir, document.sha256), media_type=document.content_type
    )


def _may_read(session: Session, member: Member, document: Document) -> bool:
    if member.org.org_type is OrgType.regulator or document.uploaded_by == member.org.id:
        return True
    citing = (
        select(Batch)
        .join(Certificate, col(Certificate.batch_id) == col(Batch.id))
        .where(Certificate.document_sha256 == document.sha256)
    )
    return any(member.org.id in (b.importer_org_id, b.holder_org_id) for b in session.exec(citing))
