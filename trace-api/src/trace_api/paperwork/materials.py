"""An application's materials: PDFs or pictures (JPEG, PNG), by their bytes whatever their name
says, at most :data:`MAX_MATERIAL_BYTES` each and :data:`MAX_MATERIALS` to a request, stored
content-addressed in the documents folder (the layout of ``/v1/documents``) and named in the
step's ledger record by SHA-256."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..documents.service import document_path
from ..errors import Unprocessable

MAX_MATERIAL_BYTES = 10 * 1024 * 1024
MAX_MATERIALS = 20
MATERIAL_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


@dataclass(frozen=True)
class Upload:
    """One uploaded file of a material ``kind``, as the form field ``field`` carried it."""

    kind: str
    field: str
    filename: str
    data: bytes


def too_big(field: str, filename: str) -> Unprocessable:
    return Unprocessable.field(field, f"{filename} is larger than {MAX_MATERIAL_BYTES // 2**20} MiB")


def material_type(upload: Upload) -> str:
    """The upload's media type by its bytes; a 422 naming its field for anything else or too big."""
    if not upload.data:
        raise Unprocessable.field(upload.field, f"{upload.filename or 'a file'} is empty")
    if len(upload.data) > MAX_MATERIAL_BYTES:
        raise too_big(upload.field, upload.filename)
    for magic, media_type in MATERIAL_TYPES:
        if upload.data.startswith(magic):
            return media_type
    raise Unprocessable.field(upload.field, f"{upload.filename or 'a file'} is not a PDF, JPEG or PNG")


def check_uploads(uploads: Sequence[Upload]) -> list[str]:
    """Each upload's media type, once all are checked."""
    if len(uploads) > MAX_MATERIALS:
        raise Unprocessable.field("materials", f"{len(uploads)} files; at most {MAX_MATERIALS} at once")
    return [material_type(upload) for upload in uploads]


def store_file(root: Path, data: bytes, sha256: str) -> None:
    """Writes the bytes under their SHA-256 (once); a rolled-back transaction leaves at most an
    unreferenced file, never a row without its file."""
    path = document_path(root, sha256)
    if path.is_file():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{sha256}.{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
