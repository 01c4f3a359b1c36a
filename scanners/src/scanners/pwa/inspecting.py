"""``/scan/api/enforcement/*``: the inspection mode's questions to the server, each answered with the
signed-in inspector's key through the trace API in process.

- ``GET /scan/api/enforcement/templates``: the inspection templates (the app keeps them for offline
  use);
- ``GET /scan/api/enforcement/parties?q=``: businesses to inspect, by part of their name or handle;
- ``POST /scan/api/enforcement/inspections``: one queued inspection (``multipart/form-data``: the
  ``inspection`` JSON with the phone's ``client_id``, and its ``evidence`` files), sent on to
  ``POST /v1/enforcement/inspections``. The API's answer comes back as it is: 201 recorded now, 200
  recorded before under the same ``client_id`` (a resend after a lost answer), or its problem;
- ``PUT /scan/api/enforcement/signing-key``: the public half of the Ed25519 key the phone made (its
  private half never leaves the phone), registered for the inspector;
- ``POST /scan/api/enforcement/inspections/{number}/record``: the inspection record (现场检查笔录)
  drawn up from a recorded inspection (the API answers the same document when asked again);
- ``GET /scan/api/enforcement/documents/{id}/pdf``: its PDF, the bytes the phone signs;
- ``POST /scan/api/enforcement/documents/{id}/signature``: the phone's signature over them, queued
  until sent (the same signature again is answered 200).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from regulator_console.api import ApiProblem

from .signin import InspectorWriter, SignedIn
from .state import passed_on, problem, state_of

#: The trace API's inspection endpoint (exactly once per ``client_id``).
INSPECTIONS_PATH = "/v1/enforcement/inspections"
#: Evidence files one inspection may carry through the app.
MAX_EVIDENCE_FILES = 40
PARTIES_SHOWN = 20

router = APIRouter(prefix="/api/enforcement")


@router.get("/templates")
async def templates(request: Request, inspector: SignedIn) -> dict[str, Any]:
    found: dict[str, Any] = await state_of(request).api.get(inspector.key, "/v1/enforcement/templates")
    return found


@router.get("/parties")
async def parties(
    request: Request, inspector: SignedIn, q: Annotated[str, Query(min_length=1, max_length=200)]
) -> dict[str, Any]:
    found = await state_of(request).api.get(
        inspector.key, "/v1/organisations", q=q, status="active", limit=PARTIES_SHOWN
    )
    return {
        "parties": [
            {"handle": org["handle"], "name": org["name"], "org_type": org["org_type"]}
            for org in found.get("organisations", [])
            if org.get("org_type") != "regulator"
        ]
    }


@router.post("/inspections")
async def send_inspection(request: Request, inspector: InspectorWriter) -> Response:
    form = await request.form(max_files=MAX_EVIDENCE_FILES, max_fields=1)
    inspection = form.get("inspection")
    if not isinstance(inspection, str):
        return problem(422, "The request is invalid", "send the form field 'inspection' (its JSON)")
    files = [
        ("evidence", (each.filename or "evidence", await each.read(), each.content_type))
        for each in form.getlist("evidence")
        if isinstance(each, UploadFile)
    ]
    try:
        answer = await state_of(request).api.request(
            inspector.key, "POST", INSPECTIONS_PATH, data={"inspection": inspection}, files=files or None
        )
    except ApiProblem as refused:
        return passed_on(refused)
    return JSONResponse(answer.json(), status_code=answer.status_code)


DocumentId = Annotated[str, Path(pattern=r"^[0-9A-Za-z-]{1,48}$")]


async def _passed(request: Request, key: str, method: str, path: str, body: Any = None) -> Response:
    """The trace API's answer to ``method path`` (JSON), passed back with its status."""
    try:
        answer = await state_of(request).api.request(key, method, path, json=body)
    except ApiProblem as refused:
        return passed_on(refused)
    return JSONResponse(answer.json(), status_code=answer.status_code)


async def _json_body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None


@router.put("/signing-key")
async def signing_key(request: Request, inspector: InspectorWriter) -> Response:
    body = await _json_body(request)
    if body is None:
        return problem(422, "The request is invalid", 'send JSON: {"public_key": "..."}')
    return await _passed(request, inspector.key, "PUT", "/v1/enforcement/inspectors/me/signing-key", body)


@router.post("/inspections/{number}/record")
async def inspection_record(request: Request, inspector: InspectorWriter, number: DocumentId) -> Response:
    body = {"kind": "inspection_record"}
    return await _passed(request, inspector.key, "POST", f"{INSPECTIONS_PATH}/{number}/documents", body)


@router.get("/documents/{document_id}/pdf")
async def document_pdf(request: Request, inspector: SignedIn, document_id: DocumentId) -> Response:
    try:
        answer = await state_of(request).api.request(
            inspector.key, "GET", f"/v1/enforcement/documents/{document_id}/pdf"
        )
    except ApiProblem as refused:
        return passed_on(refused)
    return Response(answer.content, media_type="application/pdf")


@router.post("/documents/{document_id}/signature")
async def document_signature(
    request: Request, inspector: InspectorWriter, document_id: DocumentId
) -> Response:
    body = await _json_body(request)
    if body is None:
        return problem(422, "The request is invalid", 'send JSON: {"signature": "...", "pdf_sha256": "..."}')
    path = f"/v1/enforcement/documents/{document_id}/signature"
    return await _passed(request, inspector.key, "POST", path, body)
