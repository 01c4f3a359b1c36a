"""证据 Evidence: the ledger's state, any record or proof bundle verified step by step, audits of
the whole log with their live progress, and a lot's exports (EPCIS 2.0, FSMA 204).

Every check is the API's (``GET /v1/records/{id}/verification``, ``POST /v1/verifications``,
``/v1/audits``), made with the evidence ledger's own verification code; the page shows each step
and, when one fails, which one and why. A running audit's progress refreshes itself (htmx) from
the database, so any replica's page shows it.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from .. import i18n
from ..api import ApiProblem
from ..i18n import N_
from ..vocabulary import AUDIT_RESULTS
from ..web import MOUNT, NavItem, Regulator, SignedIn, Writer, _state, render

NAV = NavItem("/evidence", N_("Evidence"), 70)
router = APIRouter()

#: Each verification step in the order they are checked, with what it establishes (message ids).
STEPS = {
    "bytes": (
        N_("The record's bytes hash to its leaf hash"),
        N_("The bytes are canonical JSON (RFC 8785) and SHA-256(0x00 ‖ bytes) is the leaf hash."),
    ),
    "inclusion": (
        N_("The inclusion proof leads to the checkpoint's root"),
        N_("Hashing the leaf with the proof's hashes gives the root of the signed checkpoint (RFC 9162)."),
    ),
    "signature": (
        N_("The checkpoint is signed with the log's key"),
        N_("The checkpoint's Ed25519 signature verifies with the log's published key."),
    ),
    "anchor": (
        N_("The root is anchored on chain"),
        N_("The chain holds this root, or a later root that a consistency proof shows extends it."),
    ),
}
STEP_STATUSES = {"passed": N_("Passed"), "failed": N_("Failed"), "pending": N_("Undecided")}
VERDICTS = {
    "verified": N_("Verified: every step passed"),
    "failed": N_("Verification failed"),
    "pending": N_("Not verifiable yet"),
}
#: What an audit checks, by the name its failure gives the step.
AUDIT_STEPS = {
    "records": N_("Stored records"),
    "subjects": N_("Subject index"),
    "checkpoint": N_("Signed checkpoints"),
    "anchor": N_("On-chain anchors"),
}
#: The largest proof bundle file the page reads (a bundle is a few kilobytes).
MAX_BUNDLE_BYTES = 2 * 1024 * 1024
#: Polling interval of a running audit's progress.
AUDIT_POLL = "every 2s"
RECENT_AUDITS = 5
AUDITS_PER_PAGE = 20


def _api(request: Request) -> Any:
    return _state(request).api


def record_path(record_id: str) -> str:
    return f"/v1/records/{quote(record_id, safe='')}/verification"


# -- the evidence page -------------------------------------------------------------------------


async def _landing(
    request: Request, regulator: Regulator, *, lookup: dict[str, Any] | None = None,
    bundle: dict[str, Any] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    api = _api(request)
    context = {
        "ledger": await api.get(regulator.key, "/v1/ledger"),
        "audits": (await api.get(regulator.key, "/v1/audits", limit=RECENT_AUDITS))["audits"],
        "lookup": lookup or {"value": "", "error": None},
        "bundle_form": bundle or {"text": "", "error": None, "errors": []},
        "audit_results": AUDIT_RESULTS,
    }
    return render(request, "evidence/page.html", context, regulator=regulator, status_code=status_code)


@router.get("/evidence", response_class=HTMLResponse)
async def evidence(request: Request, regulator: SignedIn) -> HTMLResponse:
    return await _landing(request, regulator)


# -- one record --------------------------------------------------------------------------------


async def _record_verification(request: Request, regulator: Regulator, ref: str) -> dict[str, Any] | None:
    """The verification of the record ``ref`` names: its id, or else (all digits) its ledger index."""
    api = _api(request)
    try:
        found: dict[str, Any] = await api.get(regulator.key, record_path(ref))
        return found
    except ApiProblem as problem:
        if problem.status != 404:
            raise
    if not ref.isdigit():
        return None
    try:
        at = await api.get(regulator.key, f"/v1/ledger/records/{int(ref)}")
    except ApiProblem as problem:
        if problem.status == 404:
            return None
        raise
    found = await api.get(regulator.key, record_path(at["record_id"]))
    return found


@router.get("/evidence/record", response_class=HTMLResponse)
async def record(
    request: Request, regulator: SignedIn, ref: Annotated[str, Query(max_length=512)] = ""
) -> HTMLResponse:
    """A record found by id or ledger index, verified step by step."""
    ref = ref.strip()
    if not ref:
        error = i18n._("Enter a record id or a ledger index.")
        return await _landing(request, regulator, lookup={"value": ref, "error": error}, status_code=422)
    found = await _record_verification(request, regulator, ref)
    if found is None:
        error = i18n._("No record has this id or ledger index.")
        return await _landing(request, regulator, lookup={"value": ref, "error": error}, status_code=404)
    return _verification_page(request, regulator, found, source="record")


@router.get("/evidence/record/bundle")
async def record_bundle(
    request: Request, regulator: SignedIn, ref: Annotated[str, Query(max_length=512)] = ""
) -> Response:
    """The record's proof bundle, as a file for ``suyuan verify --bundle``."""
    found = await _record_verification(request, regulator, ref.strip())
    if found is None:
        return Response(status_code=404)
    bundle = found["bundle"]
    disposition = f'attachment; filename="suyuan-proof-{bundle["index"]}.json"'
    body = json.dumps(bundle, indent=2, ensure_ascii=False).encode()
    return Response(body, media_type="application/json", headers={"Content-Disposition": disposition})


def _verification_page(
    request: Request, regulator: Regulator, found: dict[str, Any], source: str
) -> HTMLResponse:
    record = found.get("record")
    pretty = (
        json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True)
        if record is not None
        else found["body_text"]
    )
    failed = found.get("failed_step")
    context = {
        "v": found,
        "source": source,
        "pretty": pretty,
        "steps": STEPS,
        "step_statuses": STEP_STATUSES,
        "verdicts": VERDICTS,
        "failed_number": list(STEPS).index(failed) + 1 if failed in STEPS else None,
    }
    return render(request, "evidence/verification.html", context, regulator=regulator)


# -- a proof bundle ------------------------------------------------------------------------------


async def _bundle_source(request: Request) -> tuple[str, str | None]:
    """The bundle's text (the file, else what was pasted) and what is wrong with the form, if anything."""
    form = await request.form()
    upload, pasted = form.get("bundle_file"), form.get("bundle_text")
    text = pasted if isinstance(pasted, str) else ""
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_BUNDLE_BYTES + 1)
        if len(data) > MAX_BUNDLE_BYTES:
            return "", i18n._("The file is larger than a proof bundle can be.")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return "", i18n._("The file is not a proof bundle: it is not JSON text.")
    if not text.strip():
        return text, i18n._("Choose a proof bundle file or paste one.")
    return text, None


@router.post("/evidence/bundles", response_class=HTMLResponse)
async def check_bundle(request: Request, regulator: Writer) -> HTMLResponse:
    """A proof bundle (uploaded or pasted) checked step by step by the API."""
    text, error = await _bundle_source(request)
    shown = text if len(text) <= 20_000 else ""
    if error is None:
        try:
            bundle = json.loads(text)
        except ValueError:
            error = i18n._("The file is not a proof bundle: it is not JSON text.")
    if error is not None:
        form = {"text": shown, "error": error, "errors": []}
        return await _landing(request, regulator, bundle=form, status_code=422)
    try:
        found = await _api(request).post(regulator.key, "/v1/verifications", bundle)
    except ApiProblem as problem:
        if problem.status != 422:
            raise
        errors = [f"{field}: {reason}" for field, reason in problem.field_errors().items()] or [
            problem.detail
        ]
        form = {
            "text": shown,
            "error": i18n._("This is not a proof bundle that can be checked."),
            "errors": errors,
        }
        return await _landing(request, regulator, bundle=form, status_code=422)
    return _verification_page(request, regulator, found, source="bundle")


# -- audits ------------------------------------------------------------------------------------


@router.post("/evidence/audits")
async def start_audit(request: Request, regulator: Writer) -> Response:
    """Starts an audit and shows its progress; while another runs, shows that one."""
    try:
        audit = await _api(request).post(regulator.key, "/v1/audits")
    except ApiProblem as problem:
        running = problem.problem.get("audit_id")
        if problem.status != 409 or not isinstance(running, str):
            raise
        return RedirectResponse(f"{MOUNT}/evidence/audits/{quote(running)}?already=1", status_code=303)
    return RedirectResponse(f"{MOUNT}/evidence/audits/{quote(audit['id'])}", status_code=303)


@router.get("/evidence/audits", response_class=HTMLResponse)
async def audits(
    request: Request, regulator: SignedIn, cursor: Annotated[str | None, Query(max_length=400)] = None
) -> HTMLResponse:
    page = await _api(request).get(regulator.key, "/v1/audits", limit=AUDITS_PER_PAGE, cursor=cursor)
    context = {"page": page, "audit_results": AUDIT_RESULTS}
    return render(request, "evidence/audits.html", context, regulator=regulator)


def _audit_context(audit: dict[str, Any]) -> dict[str, Any]:
    return {"a": audit, "audit_results": AUDIT_RESULTS, "audit_steps": AUDIT_STEPS, "poll": AUDIT_POLL}


@router.get("/evidence/audits/{audit_id}", response_class=HTMLResponse)
async def audit(request: Request, regulator: SignedIn, audit_id: str, already: int = 0) -> HTMLResponse:
    found = await _api(request).get(regulator.key, f"/v1/audits/{quote(audit_id, safe='')}")
    context = {**_audit_context(found), "already": bool(already)}
    return render(request, "evidence/audit.html", context, regulator=regulator)


@router.get("/evidence/audits/{audit_id}/progress", response_class=HTMLResponse)
async def audit_progress(request: Request, regulator: SignedIn, audit_id: str) -> HTMLResponse:
    """The audit's progress alone (its page polls it while it runs)."""
    found = await _api(request).get(regulator.key, f"/v1/audits/{quote(audit_id, safe='')}")
    return render(request, "evidence/progress.html", _audit_context(found), regulator=regulator)


@router.get("/evidence/audits/{audit_id}/report")
async def audit_report(request: Request, regulator: SignedIn, audit_id: str) -> Response:
    """The finished audit's report, downloaded through the console."""
    answer = await _api(request).request(
        regulator.key, "GET", f"/v1/audits/{quote(audit_id, safe='')}/report"
    )
    return _download(answer, f"suyuan-audit-{_safe(audit_id)}.json")


# -- exports -----------------------------------------------------------------------------------


def _safe(text: str) -> str:
    """``text`` in characters safe in a file name and any header."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-.") or "export"


def _download(answer: Any, fallback_name: str) -> Response:
    """An API answer passed on as a download, under the API's file name when it gives one."""
    disposition = answer.headers.get("content-disposition") or f'attachment; filename="{fallback_name}"'
    media_type = answer.headers.get("content-type", "application/octet-stream")
    return Response(answer.content, media_type=media_type, headers={"Content-Disposition": disposition})


def _exports_page(
    request: Request, regulator: Regulator, *, batch_id: str = "", lot: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    context = {"batch_id": batch_id, "lot": lot, "errors": errors or {}, "values": values or {}}
    return render(request, "evidence/exports.html", context, regulator=regulator, status_code=status_code)


@router.get("/evidence/exports", response_class=HTMLResponse)
async def exports(
    request: Request, regulator: SignedIn, batch_id: Annotated[str, Query(max_length=128)] = ""
) -> HTMLResponse:
    """A lot's exports (EPCIS 2.0 document, FSMA 204 spreadsheet), and FSMA 204 over a date range."""
    batch_id = batch_id.strip()
    if not batch_id:
        return _exports_page(request, regulator)
    try:
        lot = await _api(request).get(regulator.key, f"/v1/batches/{quote(batch_id, safe='')}")
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        errors = {"batch_id": i18n._("No lot has this batch id.")}
        return _exports_page(request, regulator, batch_id=batch_id, errors=errors, status_code=404)
    return _exports_page(request, regulator, batch_id=batch_id, lot=lot)


@router.get("/evidence/exports/epcis")
async def export_epcis(
    request: Request, regulator: SignedIn, batch_id: Annotated[str, Query(min_length=1, max_length=128)]
) -> Response:
    """The lot's EPCIS 2.0 document (its whole lineage's events), as a download."""
    path = f"/v1/exports/epcis/{quote(batch_id, safe='')}"
    answer = await _api(request).request(regulator.key, "GET", path)
    disposition = f'attachment; filename="epcis_{_safe(batch_id)}.jsonld"'
    headers = {"Content-Disposition": disposition}
    return Response(answer.content, media_type="application/ld+json", headers=headers)


@router.get("/evidence/exports/fsma204", response_model=None)
async def export_fsma204(
    request: Request,
    regulator: SignedIn,
    batch_id: Annotated[str | None, Query(max_length=128)] = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    sheet_format: Annotated[str, Query(alias="format", pattern="^(csv|xlsx)$")] = "csv",
) -> Response:
    """The FSMA 204 sortable spreadsheet of a lot, or of every lot over a date range."""
    params = {"batch_id": batch_id, "since": since, "until": until, "format": sheet_format}
    try:
        answer = await _api(request).request(regulator.key, "GET", "/v1/exports/fsma204", params=params)
    except ApiProblem as problem:
        if problem.status != 422 or batch_id:
            raise
        values = {"since": since or "", "until": until or "", "format": sheet_format}
        errors = problem.field_errors() or {"since": problem.detail}
        return _exports_page(request, regulator, errors=errors, values=values, status_code=422)
    return _download(answer, f"fsma204.{sheet_format}")
