"""Documents stored once, content-addressed: certificates, snapshots, frames and photos."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from pathlib import Path

from sqlmodel import Session

from .models import Document


def document_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def store_document(
    session: Session, root: Path, data: bytes, content_type: str, filename: str, org_id: str
) -> Document:
    """Stores ``data`` under its SHA-256 (once) and adds its row to the caller's transaction.

    The file is written before the row commits: a rolled-back transaction leaves at most an
    unreferenced file, never a row without its file.
    """
    digest = hashlib.sha256(data).hexdigest()
    existing = session.get(Document, digest)
    path = document_path(root, digest)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{digest}.{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    if existing is not None:
        return existing
    document = Document(
        sha256=digest, content_type=content_type, size=len(data), filename=filename[:255],
        uploaded_by=org_id, created_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    session.add(document)
    return document
