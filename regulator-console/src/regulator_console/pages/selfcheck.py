"""企业自查 Enterprise self-inspection in the console: the jurisdiction's campaigns with completion
per firm and area, the on-site inspection tasks data-quality flags opened, the rectifications
awaiting a remote review, and one rectification with its evidence, its history from the ledger and
the review form (accept or reject, with an opinion).

Everything comes from ``/v1/selfcheck`` with the regulator's key; evidence photos are forwarded
from ``/v1/documents`` (:func:`.filings.forward`), so the pages load nothing from elsewhere and the
API's rules (jurisdiction, transitions, validation) are the page's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..api import ApiProblem
from ..i18n import N_, _
from ..web import MOUNT, NavItem, Regulator, SignedIn, Writer, _state, render
from .filings import forward, label_of

NAV = NavItem("/selfcheck", N_("Self-inspection"), 57)
router = APIRouter()

FREQUENCIES = {"daily": N_("Daily"), "once": N_("Once (special campaign)")}
INDUSTRIES = {
    "catering": N_("Catering"),
    "food_sales": N_("Food sales"),
    "food_production": N_("Food production"),
    "farmers_market": N_("Farmers' market"),
    "special_equipment": N_("Special equipment"),
}
REASONS = {
    "photo_reused": N_("Photo reused from an earlier submission"),
    "too_fast": N_("Checklist completed too fast"),
    "always_pass": N_("Every item always passes"),
}
RECTIFICATION_STATUSES = {
    "open": N_("Awaiting the firm's rectification"),
    "submitted": N_("Rectified, awaiting review"),
    "accepted": N_("Rectification accepted"),
}
RECTIFICATION_BADGES = {"open": "warn", "submitted": "warn", "accepted": "good"}
STEPS = {
    "selfcheck.submitted": N_("Self-inspection submitted"),
    "selfcheck.rectification_submitted": N_("Rectification reported"),
    "selfcheck.rectification_accepted": N_("Rectification accepted"),
    "selfcheck.rectification_rejected": N_("Rectification rejected"),
}
DECISIONS = {"accept": N_("Accept the rectification"), "reject": N_("Reject the rectification")}
DONE = {
    "opened": N_("Campaign opened: the firms it asks can submit now."),
    "accept": N_("Accepted: the rectification is closed."),
    "reject": N_("Rejected: the firm is to rectify again."),
}


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


#: The campaign form's fields, as the API names them.
CAMPAIGN_FIELDS = ("title", "checklist", "frequency", "starts_on", "ends_on")


async def _overview(
    request: Request, regulator: Regulator, *, form: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    api, key = _state(request).api, regulator.key
    jurisdiction = str(regulator.org.get("jurisdiction", ""))
    checklists = await api.get(key, "/v1/selfcheck/checklists")
    report = await api.get(key, "/v1/selfcheck/completion", jurisdiction=jurisdiction)
    tasks = await api.get(key, "/v1/selfcheck/inspection-tasks")
    waiting = await api.get(key, "/v1/selfcheck/rectifications", status="submitted")
    context = {
        "report": report,
        "jurisdiction": jurisdiction,
        "tasks": [t for t in tasks["tasks"] if t["jurisdiction"] == jurisdiction],
        "waiting": [r for r in waiting["rectifications"] if r["jurisdiction"] == jurisdiction],
        "frequencies": FREQUENCIES,
        "industries": INDUSTRIES,
        "reasons": REASONS,
        "label_of": label_of,
        "percent": _percent,
        "checklists": [c for c in checklists["checklists"] if c["jurisdiction"] == jurisdiction],
        "done": request.query_params.get("done") if form is None else None,
        "done_messages": DONE,
        "form": form or {"values": {}, "errors": {}, "problem": None},
    }
    return render(request, "selfcheck/overview.html", context, regulator=regulator, status_code=status_code)


@router.get("/selfcheck", response_class=HTMLResponse)
async def overview(request: Request, regulator: SignedIn) -> HTMLResponse:
    """Campaigns and completion over the last 30 days, tasks, rectifications to review, and the form
    that opens a campaign."""
    return await _overview(request, regulator)


@router.post("/selfcheck/campaigns", response_class=HTMLResponse)
async def open_campaign(
    request: Request,
    regulator: Writer,
    title: Annotated[str, Form()] = "",
    checklist: Annotated[str, Form()] = "",
    frequency: Annotated[str, Form()] = "daily",
    starts_on: Annotated[str, Form()] = "",
    ends_on: Annotated[str, Form()] = "",
) -> Response:
    """Opens a campaign through the API (which records it in the ledger)."""
    values = dict(zip(CAMPAIGN_FIELDS, (title, checklist, frequency, starts_on, ends_on), strict=True))
    try:
        await _state(request).api.post(regulator.key, "/v1/selfcheck/campaigns", values)
    except ApiProblem as problem:
        if problem.status not in (409, 422):
            raise
        kept = {"values": values, "errors": problem.field_errors(), "problem": problem}
        return await _overview(request, regulator, form=kept, status_code=problem.status)
    return RedirectResponse(f"{MOUNT}/selfcheck?done=opened#campaigns-h", status_code=303)


async def _detail(
    request: Request, regulator: Regulator, rectification_id: str, *, form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    found: dict[str, Any] = await _state(request).api.get(
        regulator.key, f"/v1/selfcheck/rectifications/{rectification_id}"
    )
    reviewer = regulator.org.get("jurisdiction") == found["jurisdiction"] and found["status"] == "submitted"
    evidence = [sha for step in found["history"] for sha in step["payload"].get("evidence", [])]
    context = {
        "r": found,
        "reviewer": reviewer,
        "evidence": evidence,
        "statuses": RECTIFICATION_STATUSES,
        "badges": RECTIFICATION_BADGES,
        "steps": STEPS,
        "decisions": DECISIONS,
        "label_of": label_of,
        "done": request.query_params.get("done") if form is None else None,
        "done_messages": DONE,
        "form": form or {"text": "", "errors": {}, "problem": None},
    }
    return render(
        request, "selfcheck/rectification.html", context, regulator=regulator, status_code=status_code
    )


@router.get("/selfcheck/rectifications/{rectification_id}", response_class=HTMLResponse)
async def rectification(request: Request, regulator: SignedIn, rectification_id: str) -> HTMLResponse:
    return await _detail(request, regulator, rectification_id)


@router.get("/selfcheck/documents/{sha256}")
async def document(request: Request, regulator: SignedIn, sha256: str) -> Response:
    """An evidence photo or document, from the documents store."""
    return await forward(request, regulator, f"/v1/documents/{sha256}")


@router.post("/selfcheck/rectifications/{rectification_id}/review", response_class=HTMLResponse)
async def review(
    request: Request,
    regulator: Writer,
    rectification_id: str,
    decision: Annotated[str, Form()] = "",
    opinion: Annotated[str, Form()] = "",
) -> Response:
    """The regulator's remote review, through the API (which records it in the ledger)."""
    path = f"/v1/selfcheck/rectifications/{rectification_id}/reviews"
    try:
        await _state(request).api.post(regulator.key, path, {"decision": decision, "opinion": opinion})
    except ApiProblem as problem:
        if problem.status not in (409, 422):
            raise
        errors = problem.field_errors()
        if "opinion" in errors:
            errors["opinion"] = (
                _("Enter the opinion: every review states one.") if not opinion.strip() else errors["opinion"]
            )
        kept = {"text": opinion, "errors": errors, "problem": problem}
        return await _detail(request, regulator, rectification_id, form=kept, status_code=problem.status)
    return RedirectResponse(
        f"{MOUNT}/selfcheck/rectifications/{rectification_id}?done={decision}#review", status_code=303
    )
