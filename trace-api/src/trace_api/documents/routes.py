"""``/v1/documents``: upload once, store content-addressed, refer to by SHA-256, share explicitly."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from ..auth import CurrentMember
from ..batches.models import Batch, Certificate
from ..context import WriteSession, get_services, get_session
from ..errors import NotFound, Unprocessable
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..services import Services
from ..text import check_line
from .models import Document
from .service import (
    INLINE_TYPES,
    document_path,
    holds_document,
    media_type_of,
    share_document,
    store_document,
)

router = APIRouter(prefix="/v1/documents", tags=["documents"])
MAX_BYTES = 20 * 1024 * 1024
SNIFF_BYTES = 16


class ShareIn(BaseModel):
    organisation: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="handle of the organisation")


@router.post(
    "", status_code=201, responses={200: {"description": "The same bytes were uploaded before: their record"}}
)
def upload_document(
    file: UploadFile,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> JSONResponse:
    """Store a document (201); uploading the same bytes again answers 200 with the same record."""
    # A plain function, run in a worker thread: reading, hashing and writing up to 20 MiB and the
    # commit happen holding the writer lock, and must not hold up the event loop meanwhile. The
    # body was received (spooled) before the handler runs, so the file is read synchronously.
    data = file.file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Unprocessable.field("file", f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
    if not data:
        raise Unprocessable.field("file", "is empty")
    filename = file.filename or "document"
    try:
        check_line(filename)
    except ValueError as exc:
        raise Unprocessable.field("file", f"its name {exc}") from exc
    known = session.get(Document, hashlib.sha256(data).hexdigest()) is not None
    document = store_document(session, services.settings.documents_dir, data, filename, member.org.id)
    session.commit()
    session.refresh(document)
    body = document.model_dump(mode="json", exclude={"uploaded_by"})
    return JSONResponse(body, status_code=200 if known else 201)


@router.post(
    "/{sha256}/shares",
    status_code=201,
    responses={200: {"description": "Shared with that organisation before"}},
)
def share(
    sha256: str,
    data: ShareIn,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> JSONResponse:
    """Let another organisation cite this document in its batches and read it (uploaders only).

    Recorded in the ledger (``document.shared``); sharing again answers 200."""
    to = session.exec(select(Organisation).where(Organisation.handle == data.organisation)).first()
    if to is None:
        raise Unprocessable.field("organisation", f"no organisation {data.organisation!r}")
    holder, created = share_document(services, session, member, sha256.lower(), to)
    body = {"sha256": holder.sha256, "organisation": to.handle, "record_id": holder.record_id}
    return JSONResponse(body, status_code=201 if created else 200)


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
    """The document, for its holders, regulators, and those who hold or admitted a batch citing it.

    Its type comes from its bytes; only PDFs and images are shown inline, never as a page."""
    document = session.get(Document, sha256.lower())
    if document is None or not _may_read(session, member, document):
        raise NotFound(f"no document with SHA-256 {sha256} that {member.org.handle} may read")
    path = document_path(services.settings.documents_dir, document.sha256)
    with path.open("rb") as file:
        media_type = media_type_of(file.read(SNIFF_BYTES))
    return FileResponse(
        path,
        media_type=media_type,
        filename=document.filename,
        content_disposition_type="inline" if media_type in INLINE_TYPES else "attachment",
        headers={"X-Content-Type-Options": "nosniff"},
    )


def _may_read(session: Session, member: Member, document: Document) -> bool:
    if member.org.org_type is OrgType.regulator or holds_document(session, member.org.id, document.sha256):
        return True
    citing = (
        select(Batch)
        .join(Certificate, col(Certificate.batch_id) == col(Batch.id))
        .where(Certificate.document_sha256 == document.sha256)
    )
    return any(member.org.id in (b.importer_org_id, b.holder_org_id) for b in session.exec(citing))
