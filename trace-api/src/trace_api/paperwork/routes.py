"""What the paperless procedures' routes share: a caller who sends an API key or a person's query
code (``X-Query-Code``), uploaded materials read from a form, and papers and materials answered
as files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Header, Request, UploadFile
from fastapi.responses import FileResponse, Response
from sqlmodel import Session

from ..auth import any_key, current_member
from ..context import get_session
from ..orgs.service import Member
from ..problems import PROBLEM_JSON
from .applicants import Caller
from .materials import MAX_MATERIAL_BYTES, Upload, too_big

_PROBLEM = {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
#: What a route taking either an API key or a query code answers besides the usual problems.
CALLER_PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Neither an API key nor a query code", **_PROBLEM},
    403: {"description": "The key's organisation may not do this", **_PROBLEM},
}
#: An API key is optional: a person sends the query code instead.
OPTIONAL_KEY: dict[str, Any] = {"security": [{"apiKey": []}, {}]}
PDF_ANSWER: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}, **CALLER_PROBLEMS}
MATERIAL_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}},
    **CALLER_PROBLEMS,
}


def optional_member(request: Request, session: Annotated[Session, Depends(get_session)]) -> Member | None:
    """The member whose key the request carries; None when it carries none."""
    if "authorization" not in request.headers:
        return None
    return current_member(any_key(request, session))


def applicant_caller(
    member: Annotated[Member | None, Depends(optional_member)],
    query_code: Annotated[
        str | None,
        Header(alias="X-Query-Code", max_length=40, description="a person applicant's query code"),
    ] = None,
) -> Caller:
    return Caller(member=member, query_code=None if member is not None else query_code)


OptionalMember = Annotated[Member | None, Depends(optional_member)]
CallerDep = Annotated[Caller, Depends(applicant_caller)]


def read_uploads(kind: str, field: str, files: list[UploadFile] | UploadFile | None) -> list[Upload]:
    """The uploads of one form field, read (from a plain def: reading leaves the event loop)."""
    if files is None:
        return []
    uploads = []
    for file in files if isinstance(files, list) else [files]:
        data = file.file.read(MAX_MATERIAL_BYTES + 1)
        if len(data) > MAX_MATERIAL_BYTES:
            raise too_big(field, file.filename or "a file")
        uploads.append(Upload(kind, field, file.filename or "", data))
    return uploads


def pdf_response(body: bytes, filename: str) -> Response:
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def material_response(path: Path, media_type: str, filename: str) -> FileResponse:
    """An uploaded material, inline, as the bytes it was checked to be."""
    return FileResponse(
        path,
        media_type=media_type,
        filename=filename,
        content_disposition_type="inline",
        headers={"X-Content-Type-Options": "nosniff"},
    )
