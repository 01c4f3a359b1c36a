"""食品经营许可 Food business permits in the console: the review queue, one application with its
materials and its history from the ledger, the review form (accept, examine, approve, refuse,
each with an opinion), and the issued permit: its paper, its public check page, and the forms
that suspend, reinstate or revoke it with a reason.

Everything comes from ``/v1/permits`` with the regulator's key; materials and the permit's PDF
are forwarded from the API (:func:`.filings.forward`), so the pages load nothing from elsewhere
and the API's rules (jurisdiction, transitions, validation) are the page's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..api import ApiProblem
from ..i18n import N_, _
from ..web import MOUNT, NavItem, Regulator, SignedIn, Writer, _state, console_url, render
from .filings import forward, label_of

NAV = NavItem("/permits", N_("Food business permits"), 56)
router = APIRouter()

PAGE_SIZE = 20
STATUSES = {
    "pending": N_("Awaiting a regulator"),
    "submitted": N_("Submitted, to accept"),
    "accepted": N_("Accepted, to examine"),
    "examined": N_("Examined, to decide"),
    "approved": N_("Permitted, permit issued"),
    "refused": N_("Permit refused"),
    "all": N_("All applications"),
}
STATUS_BADGES = {
    "submitted": "warn",
    "accepted": "warn",
    "examined": "warn",
    "approved": "good",
    "refused": "bad",
}
FORMATS = {"food_sales": N_("Food sales"), "catering": N_("Catering"), "canteen": N_("Canteen")}
STATES = {
    "active": N_("Permit in force"),
    "suspended": N_("Permit suspended"),
    "revoked": N_("Permit revoked"),
}
STATE_BADGES = {"active": "good", "suspended": "warn", "revoked": "bad"}
MATERIALS = {
    "business_licence": N_("Business licence"),
    "id_document": N_("Legal representative's identity document"),
    "premises_proof": N_("Proof of the premises"),
    "layout": N_("Equipment layout and process"),
    "safety_rules": N_("Food safety rules"),
    "other": N_("Other material"),
}
STEPS = {
    "permit.submitted": N_("Application submitted"),
    "permit.accepted": N_("Accepted for review"),
    "permit.examined": N_("Examined"),
    "permit.approved": N_("Permit approved"),
    "permit.refused": N_("Permit refused"),
    "permit.suspended": N_("Permit suspended"),
    "permit.reinstated": N_("Permit reinstated"),
    "permit.revoked": N_("Permit revoked"),
}
#: Each decision, its button, and the states it may be taken from.
DECISIONS = {
    "accept": (N_("Accept for review"), ("submitted",)),
    "examine": (N_("Record the examination"), ("accepted",)),
    "approve": (N_("Approve the permit"), ("examined",)),
    "refuse": (N_("Refuse the permit"), ("submitted", "accepted", "examined")),
}
#: Each change of an issued permit, its button, and the states it may be taken from.
ACTIONS = {
    "suspend": (N_("Suspend the permit"), ("active",)),
    "reinstate": (N_("Reinstate the permit"), ("suspended",)),
    "revoke": (N_("Revoke the permit"), ("active", "suspended")),
}
DONE = {
    "accept": N_("Accepted: the application is to be examined."),
    "examine": N_("Examination recorded: the application awaits the decision."),
    "approve": N_("Permitted: the permit is issued."),
    "refuse": N_("Refused: the applicant is told the reasons."),
    "suspend": N_("Suspended: its public check page says so now."),
    "reinstate": N_("Reinstated: the permit is in force again."),
    "revoke": N_("Revoked: its public check page says so now."),
}


@router.get("/permits", response_class=HTMLResponse)
async def permits(
    request: Request, regulator: SignedIn, status: str = "pending", q: str = "", cursor: str = ""
) -> HTMLResponse:
    """The review queue: by default what awaits a regulator of the signed-in one's jurisdiction."""
    filters = {
        "status": status if status in STATUSES else "pending",
        "jurisdiction": str(regulator.org.get("jurisdiction", "")),
        "q": q.strip()[:100],
    }
    found = await _state(request).api.get(
        regulator.key, "/v1/permits", **filters, cursor=cursor, limit=PAGE_SIZE
    )
    next_cursor = found.get("next_cursor")
    context = {
        "permits": found["permits"],
        "filters": filters,
        "next_url": console_url("/permits", status=filters["status"], q=filters["q"], cursor=next_cursor)
        if next_cursor
        else None,
        "first_url": console_url("/permits", status=filters["status"], q=filters["q"]) if cursor else None,
        "statuses": STATUSES,
        "formats": FORMATS,
        "states": STATES,
        "badges": STATUS_BADGES,
        "state_badges": STATE_BADGES,
        "label_of": label_of,
    }
    return render(request, "permits/list.html", context, regulator=regulator)


async def _detail(
    request: Request,
    regulator: Regulator,
    number: str,
    *,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    permit: dict[str, Any] = await _state(request).api.get(regulator.key, f"/v1/permits/{number}")
    reviewer = regulator.org.get("jurisdiction") == permit["jurisdiction"]
    certificate = permit.get("certificate")
    state = certificate["state"] if certificate else None
    context = {
        "p": permit,
        "reviewer": reviewer,
        "decisions": {d: t for d, (t, allowed) in DECISIONS.items() if permit["status"] in allowed}
        if reviewer
        else {},
        "actions": {a: t for a, (t, allowed) in ACTIONS.items() if state in allowed} if reviewer else {},
        "statuses": STATUSES,
        "badges": STATUS_BADGES,
        "formats": FORMATS,
        "states": STATES,
        "state_badges": STATE_BADGES,
        "materials": MATERIALS,
        "steps": STEPS,
        "label_of": label_of,
        "done": request.query_params.get("done") if form is None else None,
        "done_messages": DONE,
        "form": form or {"for": None, "text": "", "valid_years": "5", "errors": {}, "problem": None},
    }
    return render(request, "permits/detail.html", context, regulator=regulator, status_code=status_code)


@router.get("/permits/{number}", response_class=HTMLResponse)
async def permit(request: Request, regulator: SignedIn, number: str) -> HTMLResponse:
    return await _detail(request, regulator, number)


@router.get("/permits/{number}/materials/{material_id}")
async def material(request: Request, regulator: SignedIn, number: str, material_id: str) -> Response:
    return await forward(request, regulator, f"/v1/permits/{number}/materials/{material_id}")


@router.get("/permits/{number}/certificate.pdf")
async def certificate(request: Request, regulator: SignedIn, number: str) -> Response:
    return await forward(request, regulator, f"/v1/permits/{number}/certificate.pdf")


async def _post(
    request: Request, regulator: Regulator, number: str, path: str, body: dict[str, Any], form: dict[str, Any]
) -> Response:
    """Posts ``body`` to the API; on a refusal the page again with the form as it was sent."""
    try:
        await _state(request).api.post(regulator.key, f"/v1/permits/{number}/{path}", body)
    except ApiProblem as problem:
        if problem.status not in (409, 422):
            raise
        errors = problem.field_errors()
        text_field = "opinion" if path == "reviews" else "reason"
        if text_field in errors and not form["text"].strip():
            errors["text"] = _("Enter the text: every step states its opinion or reason.")
        elif text_field in errors:
            errors["text"] = errors.pop(text_field)
        kept = {**form, "errors": errors, "problem": problem}
        return await _detail(request, regulator, number, form=kept, status_code=problem.status)
    anchor = "review" if path == "reviews" else "certificate"
    done = body.get("decision") or body.get("action")
    return RedirectResponse(f"{MOUNT}/permits/{number}?done={done}#{anchor}", status_code=303)


@router.post("/permits/{number}/review", response_class=HTMLResponse)
async def review(
    request: Request,
    regulator: Writer,
    number: str,
    decision: Annotated[str, Form()] = "",
    opinion: Annotated[str, Form()] = "",
    valid_years: Annotated[str, Form()] = "5",
) -> Response:
    """The regulator's step on the application, through the API (which records it in the ledger)."""
    body: dict[str, Any] = {"decision": decision, "opinion": opinion}
    if decision == "approve":
        body["valid_years"] = valid_years
    form = {"for": "review", "text": opinion, "valid_years": valid_years}
    return await _post(request, regulator, number, "reviews", body, form)


@router.post("/permits/{number}/certificate", response_class=HTMLResponse)
async def change(
    request: Request,
    regulator: Writer,
    number: str,
    action: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Suspends, reinstates or revokes the permit, through the API, with the reason."""
    form = {"for": "certificate", "text": reason, "valid_years": "5"}
    return await _post(
        request, regulator, number, "certificate-actions", {"action": action, "reason": reason}, form
    )
