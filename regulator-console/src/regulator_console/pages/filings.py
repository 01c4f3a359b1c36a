"""三小一摊登记 Small food business filings: the review queue, one filing with its materials and its
history from the ledger, the review form (accept, request more materials, approve, refuse, each
with an opinion), the certificate or decision, and the business's daily inspections.

Everything comes from ``/v1/filings`` with the regulator's key; the materials, papers and
inspection photos are forwarded from the API by the routes below, so the pages load nothing from
elsewhere and the API's rules (jurisdiction, transitions, validation) are the page's.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..api import ApiProblem
from ..i18n import N_, _
from ..web import MOUNT, NavItem, Regulator, SignedIn, Writer, _state, console_url, render

NAV = NavItem("/filings", N_("Small food business filings"), 55)
router = APIRouter()

PAGE_SIZE = 20
STATUSES = {
    "pending": N_("Awaiting a regulator"),
    "submitted": N_("Submitted, to accept"),
    "accepted": N_("Accepted, under review"),
    "more_requested": N_("Awaiting supplement"),
    "approved": N_("Registered, certificate issued"),
    "refused": N_("Registration refused"),
    "all": N_("All filings"),
}
STATUS_BADGES = {
    "submitted": "warn",
    "accepted": "warn",
    "more_requested": "",
    "approved": "good",
    "refused": "bad",
}
BUSINESS_TYPES = {
    "workshop": N_("Food workshop"),
    "small_restaurant": N_("Small restaurant"),
    "small_shop": N_("Small grocery"),
    "stall": N_("Food stall"),
}
MATERIALS = {
    "id_document": N_("Operator's identity document"),
    "premises_proof": N_("Proof of the premises"),
    "health_certificate": N_("Staff health certificate"),
    "layout": N_("Layout and process"),
    "other": N_("Other material"),
}
STEPS = {
    "filing.submitted": N_("Application submitted"),
    "filing.accepted": N_("Accepted for review"),
    "filing.more_requested": N_("More materials requested"),
    "filing.supplemented": N_("Materials supplemented"),
    "filing.approved": N_("Registration approved"),
    "filing.refused": N_("Registration refused"),
    "filing.inspected": N_("Daily inspection"),
}
#: Each decision, what it is called on its button, and the states it may be taken from.
DECISIONS = {
    "accept": (N_("Accept for review"), ("submitted",)),
    "request_more": (N_("Request more materials"), ("submitted", "accepted")),
    "approve": (N_("Approve registration"), ("accepted",)),
    "refuse": (N_("Refuse registration"), ("submitted", "accepted", "more_requested")),
}
DONE = {
    "accept": N_("Accepted: the filing is under review."),
    "request_more": N_("More materials requested: the applicant is told what to supplement."),
    "approve": N_("Registered: the certificate is issued."),
    "refuse": N_("Refused: the decision is issued."),
    "inspected": N_("Inspection recorded."),
}
RESULTS = {
    "pass": N_("Inspection passed"),
    "rectify": N_("Rectification ordered"),
    "fail": N_("Inspection failed"),
}
RESULT_BADGES = {"pass": "good", "rectify": "warn", "fail": "bad"}
#: The items a daily inspection of a small food business usually checks.
CHECKLIST = (
    N_("Registration certificate displayed"),
    N_("Staff health certificates valid"),
    N_("Premises and equipment clean"),
    N_("Incoming food checked and recorded"),
    N_("Tableware cleaned and disinfected"),
    N_("Food stored apart from waste and chemicals"),
)


def label_of(table: dict[str, str], value: str) -> str:
    found = table.get(value)
    return _(found) if found else value


def requested_labels(kinds: list[str]) -> str:
    return "、".join(label_of(MATERIALS, str(kind)) for kind in kinds)


def _filters(status: str, business_type: str, jurisdiction: str, q: str) -> dict[str, str]:
    return {
        "status": status if status in STATUSES else "pending",
        "business_type": business_type if business_type in BUSINESS_TYPES else "",
        "jurisdiction": jurisdiction.strip()[:100],
        "q": q.strip()[:100],
    }


@router.get("/filings", response_class=HTMLResponse)
async def filings(
    request: Request,
    regulator: SignedIn,
    status: str = "pending",
    business_type: str = "",
    jurisdiction: str | None = None,
    q: str = "",
    cursor: str = "",
) -> HTMLResponse:
    """The review queue: by default what awaits a regulator of the signed-in one's jurisdiction."""
    own = str(regulator.org.get("jurisdiction", ""))
    filters = _filters(status, business_type, own if jurisdiction is None else jurisdiction, q)
    found = await _state(request).api.get(
        regulator.key, "/v1/filings", **filters, cursor=cursor, limit=PAGE_SIZE
    )
    known = await _state(request).api.get(regulator.key, "/v1/filings/jurisdictions")
    context = {
        "filings": found["filings"],
        "filters": filters,
        "jurisdictions": sorted({*known["jurisdictions"], own} - {""}),
        "next_url": _list_url(filters, found.get("next_cursor")) if found.get("next_cursor") else None,
        "first_url": _list_url(filters) if cursor else None,
        "statuses": STATUSES,
        "business_types": BUSINESS_TYPES,
        "badges": STATUS_BADGES,
        "label_of": label_of,
    }
    return render(request, "filings/list.html", context, regulator=regulator)


def _list_url(filters: dict[str, str], cursor: str | None = None) -> str:
    """The list with these filters; an empty jurisdiction is kept (it means every jurisdiction)."""
    url = console_url("/filings", **{**filters, "jurisdiction": None}, cursor=cursor)
    return url + ("&" if "?" in url else "?") + "jurisdiction=" + quote(filters["jurisdiction"], safe="")


async def _filing(request: Request, regulator: Regulator, number: str) -> dict[str, Any]:
    found: dict[str, Any] = await _state(request).api.get(regulator.key, f"/v1/filings/{number}")
    return found


async def _inspections(request: Request, regulator: Regulator, number: str) -> list[dict[str, Any]]:
    found = await _state(request).api.get(regulator.key, f"/v1/filings/{number}/inspections")
    return list(found["inspections"])


def _opinion_of(step: dict[str, Any]) -> str:
    payload = step.get("payload") or {}
    return str(payload.get("opinion") or payload.get("note") or payload.get("notes") or "")


async def _detail(
    request: Request,
    regulator: Regulator,
    number: str,
    *,
    form: dict[str, Any] | None = None,
    inspection_form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    filing = await _filing(request, regulator, number)
    inspections = await _inspections(request, regulator, number) if filing["status"] == "approved" else []
    reviewer = regulator.org.get("jurisdiction") == filing["jurisdiction"]
    decisions = {d: text for d, (text, allowed) in DECISIONS.items() if filing["status"] in allowed}
    certificate = filing.get("certificate")
    context = {
        "f": filing,
        "inspections": inspections,
        "reviewer": reviewer,
        "decisions": decisions if reviewer else {},
        "statuses": STATUSES,
        "badges": STATUS_BADGES,
        "business_types": BUSINESS_TYPES,
        "materials": MATERIALS,
        "steps": STEPS,
        "results": RESULTS,
        "result_badges": RESULT_BADGES,
        "checklist": CHECKLIST,
        "label_of": label_of,
        "opinion_of": _opinion_of,
        "requested_labels": requested_labels,
        "verification_path": certificate["verification_path"] if certificate else None,
        "done": request.query_params.get("done") if form is None and inspection_form is None else None,
        "done_messages": DONE,
        "form": form or {"opinion": "", "requested": [], "valid_years": "3", "errors": {}, "problem": None},
        "inspection_form": inspection_form or {"notes": "", "result": "pass", "errors": {}, "problem": None},
    }
    return render(request, "filings/detail.html", context, regulator=regulator, status_code=status_code)


@router.get("/filings/{number}", response_class=HTMLResponse)
async def filing(request: Request, regulator: SignedIn, number: str) -> HTMLResponse:
    return await _detail(request, regulator, number)


async def forward(request: Request, regulator: Regulator, path: str) -> Response:
    """The API's answer at ``path`` (a material, a paper) as the console's own."""
    answer = await _state(request).api.request(regulator.key, "GET", path)
    headers = {}
    if "content-disposition" in answer.headers:
        headers["Content-Disposition"] = answer.headers["content-disposition"]
    return Response(
        answer.content,
        media_type=answer.headers.get("content-type", "application/octet-stream"),
        headers=headers,
    )


@router.get("/filings/{number}/materials/{material_id}")
async def material(request: Request, regulator: SignedIn, number: str, material_id: str) -> Response:
    return await forward(request, regulator, f"/v1/filings/{number}/materials/{material_id}")


@router.get("/filings/{number}/certificate.pdf")
async def certificate(request: Request, regulator: SignedIn, number: str) -> Response:
    return await forward(request, regulator, f"/v1/filings/{number}/certificate.pdf")


@router.get("/filings/{number}/decision.pdf")
async def decision(request: Request, regulator: SignedIn, number: str) -> Response:
    return await forward(request, regulator, f"/v1/filings/{number}/decision.pdf")


@router.get("/filings/{number}/inspections/{inspection_id}/photo")
async def inspection_photo(
    request: Request, regulator: SignedIn, number: str, inspection_id: str
) -> Response:
    return await forward(request, regulator, f"/v1/filings/{number}/inspections/{inspection_id}/photo")


@router.post("/filings/{number}/review", response_class=HTMLResponse)
async def review(
    request: Request,
    regulator: Writer,
    number: str,
    decision: Annotated[str, Form()] = "",
    opinion: Annotated[str, Form()] = "",
    requested: Annotated[list[str] | None, Form()] = None,
    valid_years: Annotated[str, Form()] = "3",
) -> Response:
    """The regulator's step on the filing, through the API (which records it in the ledger)."""
    body: dict[str, Any] = {"decision": decision, "opinion": opinion, "requested": requested or []}
    if decision == "approve":
        body["valid_years"] = valid_years
    try:
        await _state(request).api.post(regulator.key, f"/v1/filings/{number}/reviews", body)
    except ApiProblem as problem:
        if problem.status not in (409, 422):
            raise
        errors = problem.field_errors()
        if "opinion" in errors and not opinion.strip():
            errors["opinion"] = _("Enter your opinion: every step of a review states one.")
        form = {
            "opinion": opinion,
            "requested": requested or [],
            "valid_years": valid_years,
            "errors": errors,
            "problem": problem,
        }
        return await _detail(request, regulator, number, form=form, status_code=problem.status)
    return RedirectResponse(f"{MOUNT}/filings/{number}?done={decision}#review", status_code=303)


@router.post("/filings/{number}/inspections", response_class=HTMLResponse)
async def inspect(request: Request, regulator: Writer, number: str) -> Response:
    """A daily inspection: the checklist's items, the result, notes and an optional photo."""
    form = await request.form()
    items = []
    for index, name in enumerate(CHECKLIST):
        outcome = form.get(f"item-{index}")
        if outcome in ("passed", "failed"):
            items.append({"name": _(name), "passed": outcome == "passed"})
    result, notes = str(form.get("result") or ""), str(form.get("notes") or "")
    body: dict[str, Any] = {"result": result, "items": items, "notes": notes}
    api = _state(request).api
    try:
        photo = form.get("photo")
        if isinstance(photo, UploadFile) and photo.filename:
            data = await photo.read()
            uploaded = await api.request(
                regulator.key,
                "POST",
                "/v1/documents",
                files={"file": (photo.filename, data, photo.content_type)},
            )
            body["photo_sha256"] = uploaded.json()["sha256"]
        await api.post(regulator.key, f"/v1/filings/{number}/inspections", body)
    except ApiProblem as problem:
        if problem.status not in (409, 422):
            raise
        errors = problem.field_errors()
        if "items" in errors:
            errors["items"] = _("Mark at least one item as passed or failed.")
        if "file" in errors:
            errors["photo"] = errors.pop("file")
        kept = {"notes": notes, "result": result, "errors": errors, "problem": problem}
        return await _detail(request, regulator, number, inspection_form=kept, status_code=problem.status)
    return RedirectResponse(f"{MOUNT}/filings/{number}?done=inspected#inspections", status_code=303)
