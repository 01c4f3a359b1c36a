"""企业信用分级 Credit grades in the console: the grades of the regulator's jurisdiction with
filters, one organisation's explanation (each factor with its weight, points and the ledger
records behind them), the monthly inspection plans drawn at random (双随机) with the form that
draws one, and the credit repairs awaiting review with their accept and reject forms.

Everything comes from ``/v1/credit`` with the regulator's key, so the API's rules (jurisdiction,
validation, one ledger record per fact) are the page's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..api import ApiProblem
from ..i18n import N_
from ..web import MOUNT, NavItem, SignedIn, Writer, _state, render

NAV = NavItem("/credit", N_("Credit grades"), 57)
router = APIRouter()

GRADES = ("A", "B", "C", "D")
GRADE_BADGES = {"A": "good", "B": "", "C": "warn", "D": "bad"}
FACTORS = {
    "kitchen": N_("Kitchen incidents and rectifications"),
    "coldchain": N_("Cold-chain excursions"),
    "markets": N_("Failed rapid tests and disposals"),
    "recalls": N_("Recalls of its lots"),
    "equipment": N_("Overdue elevator maintenance"),
    "permits": N_("Permit status"),
    "inspection": N_("On-site inspection findings and orders to rectify"),
    "selfcheck": N_("Self-inspection completion, rectifications and data quality"),
}
REPAIR_STATUSES = {"pending": N_("Awaiting review"), "accepted": N_("Accepted"), "rejected": N_("Rejected")}


@router.get("/credit", response_class=HTMLResponse)
async def grades(request: Request, regulator: SignedIn, grade: str = "", q: str = "") -> HTMLResponse:
    """The graded organisations of the jurisdiction, worst first, filtered by grade and text."""
    filters = {"grade": grade if grade in GRADES else "", "q": q.strip()[:100]}
    params = {k: v for k, v in filters.items() if v}
    found = await _state(request).api.get(regulator.key, "/v1/credit/grades", **params)
    context = {"grades": found["grades"], "filters": filters, "letters": GRADES, "badges": GRADE_BADGES}
    return render(request, "credit/grades.html", context, regulator=regulator)


@router.get("/credit/orgs/{handle}", response_class=HTMLResponse)
async def explanation(request: Request, regulator: SignedIn, handle: str) -> HTMLResponse:
    """One organisation's grade and why: base plus each factor's points is its score."""
    graded = await _state(request).api.get(regulator.key, f"/v1/credit/grades/{handle}")
    context = {"g": graded, "factors": FACTORS, "badges": GRADE_BADGES}
    return render(request, "credit/org.html", context, regulator=regulator)


async def _plans(
    request: Request, regulator: Any, form: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    found = await _state(request).api.get(regulator.key, "/v1/credit/plans")
    context = {
        "plans": found["plans"],
        "badges": GRADE_BADGES,
        "form": form or {"period": "", "inspectors": "", "seed": "", "errors": {}, "problem": None},
    }
    return render(request, "credit/plans.html", context, regulator=regulator, status_code=status_code)


@router.get("/credit/plans", response_class=HTMLResponse)
async def plans(request: Request, regulator: SignedIn) -> HTMLResponse:
    return await _plans(request, regulator)


@router.post("/credit/plans", response_class=HTMLResponse)
async def draw(
    request: Request,
    regulator: Writer,
    period: Annotated[str, Form()] = "",
    inspectors: Annotated[str, Form()] = "",
    seed: Annotated[str, Form()] = "",
) -> Response:
    """Draws the month's plan through the API (which records the draw in the ledger)."""
    roster = [line.strip() for line in inspectors.splitlines() if line.strip()]
    body: dict[str, Any] = {"period": period.strip()}
    if roster:  # none given: the API draws from every inspector the regulator registered
        body["inspectors"] = roster
    if seed.strip():
        body["seed"] = seed.strip()
    try:
        await _state(request).api.post(regulator.key, "/v1/credit/plans", body)
    except ApiProblem as problem:
        if problem.status not in (409, 422):
            raise
        form = {"period": period, "inspectors": inspectors, "seed": seed}
        errors = problem.field_errors()
        if any(name.startswith("inspectors[") for name in errors):
            errors["inspectors"] = next(v for k, v in errors.items() if k.startswith("inspectors["))
        kept = {**form, "errors": errors, "problem": problem}
        return await _plans(request, regulator, kept, problem.status)
    return RedirectResponse(f"{MOUNT}/credit/plans", status_code=303)


@router.get("/credit/repairs", response_class=HTMLResponse)
async def repairs(request: Request, regulator: SignedIn, status: str = "pending") -> HTMLResponse:
    """Credit repairs of the jurisdiction; by default those awaiting review."""
    chosen = status if status in REPAIR_STATUSES else "pending"
    found = await _state(request).api.get(regulator.key, "/v1/credit/repairs", status=chosen)
    context = {
        "repairs": found["repairs"],
        "status": chosen,
        "statuses": REPAIR_STATUSES,
        "done": request.query_params.get("done"),
    }
    return render(request, "credit/repairs.html", context, regulator=regulator)


@router.post("/credit/repairs/{repair_id}/review", response_class=HTMLResponse)
async def review(
    request: Request,
    regulator: Writer,
    repair_id: str,
    decision: Annotated[str, Form()] = "",
    opinion: Annotated[str, Form()] = "",
) -> Response:
    """Accepts or rejects the repair through the API; accepted, the firm's grade is given again."""
    body = {"decision": decision, "opinion": opinion}
    await _state(request).api.post(regulator.key, f"/v1/credit/repairs/{repair_id}/review", body)
    return RedirectResponse(f"{MOUNT}/credit/repairs?done={decision}", status_code=303)
