"""Evidence taken on site: photos (JPEG, PNG) and video (MP4/QuickTime, WebM), recognised by
their bytes whatever their name says, stored content-addressed in the documents folder (the
layout of ``/v1/documents``) and named in the inspection's record by SHA-256."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import Unprocessable
from ..paperwork.materials import Upload

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 50 * 1024 * 1024
MAX_EVIDENCE_FILES = 30


@dataclass(frozen=True)
class Evidence:
    upload: Upload
    sha256: str
    content_type: str


def evidence_type(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[4:8] == b"ftyp":
        return "video/quicktime" if data[8:10] == b"qt" else "video/mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


def check_evidence(uploads: Sequence[Upload]) -> list[Evidence]:
    """Each file with its hash and type; a 422 naming the field for an empty, unknown or too large one."""
    if len(uploads) > MAX_EVIDENCE_FILES:
        raise Unprocessable.field("evidence", f"{len(uploads)} files; at most {MAX_EVIDENCE_FILES} at once")
    checked = []
    for upload in uploads:
        name = upload.filename or "a file"
        media_type = evidence_type(upload.data)
        if media_type is None:
            raise Unprocessable.field(
                upload.field, f"{name} is not a photo (JPEG, PNG) or a video (MP4, WebM)"
            )
        limit = MAX_VIDEO_BYTES if media_type.startswith("video/") else MAX_PHOTO_BYTES
        if len(upload.data) > limit:
            raise Unprocessable.field(upload.field, f"{name} is larger than {limit // 2**20} MiB")
        checked.append(Evidence(upload, hashlib.sha256(upload.data).hexdigest(), media_type))
    return checked
