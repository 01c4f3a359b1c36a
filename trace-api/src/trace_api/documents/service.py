"""Documents stored once, content-addressed: certificates, snapshots, frames and photos."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from pathlib import Path

from sqlmodel import Session

from evidence import Actor, Record, Subject, utc_now

from ..errors import Forbidden, NotFound
from ..facts import DocumentShared
from ..orgs.models import Organisation
from ..orgs.service import Member
from ..services import Services
from .models import Document, DocumentHolder, HeldAs

#: Types served inline; anything else is an attachment of type application/octet-stream.
INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/webp")
OCTET_STREAM = "application/octet-stream"


def media_type_of(data: bytes) -> str:
    """The type the bytes' signature shows (PDF, PNG, JPEG, WebP), else application/octet-stream.

    Never the uploader's claim: a document claimed as ``text/html`` is served as bytes.
    """
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return OCTET_STREAM


def document_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def store_document(session: Session, root: Path, data: bytes, filename: str, org_id: str) -> Document:
    """Stores ``data`` under its SHA-256 (once), held by ``org_id``, in the caller's transaction.

    The file is written before the row commits: a rolled-back transaction leaves at most an
    unreferenced file, never a row without its file.
    """
    digest = hashlib.sha256(data).hexdigest()
    document = session.get(Document, digest)
    path = document_path(root, digest)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{digest}.{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    now = dt.datetime.now(dt.UTC)
    if document is None:
        document = Document(
            sha256=digest, content_type=media_type_of(data), size=len(data), filename=filename[:255],
            uploaded_by=org_id, created_at=now,
        )  # fmt: skip
        session.add(document)
        session.flush()
    holder = session.get(DocumentHolder, (digest, org_id))
    if holder is None:
        session.add(DocumentHolder(sha256=digest, org_id=org_id, held_as=HeldAs.uploaded, created_at=now))
    elif holder.held_as is HeldAs.shared:
        holder.held_as = HeldAs.uploaded
    return document


def holds_document(session: Session, org_id: str, sha256: str) -> bool:
    """Whether the organisation uploaded the document or was given it."""
    return session.get(DocumentHolder, (sha256, org_id)) is not None


def share_document(
    services: Services, session: Session, member: Member, sha256: str, to: Organisation
) -> tuple[DocumentHolder, bool]:
    """Lets ``to`` cite and read a document ``member``'s organisation uploaded; True if newly shared."""
    own = session.get(DocumentHolder, (sha256, member.org.id))
    if own is None:
        raise NotFound(f"no document with SHA-256 {sha256} that {member.org.handle} holds")
    if own.held_as is not HeldAs.uploaded:
        raise Forbidden(f"only an uploader of document {sha256} may share it")
    existing = session.get(DocumentHolder, (sha256, to.id))
    if existing is not None:
        return existing, False
    record = Record(
        kind=DocumentShared.KIND,
        record_id=f"document:{sha256}:shared:{to.uscc}",
        time=utc_now(),
        actor=Actor(org=member.org.uscc, key_id=member.key_id),
        subjects=[
            Subject(type="document", id=sha256),
            Subject(type="org", id=member.org.uscc),
            Subject(type="org", id=to.uscc),
        ],
        payload=DocumentShared(sha256=sha256, sender=member.org.uscc, to=to.uscc).payload(),
    )
    services.ledger.append(record, conn=session.connection())
    holder = DocumentHolder(
        sha256=sha256, org_id=to.id, held_as=HeldAs.shared, record_id=record.record_id,
        created_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    session.add(holder)
    return holder, True
