"""风险预警 Risk warnings: the warnings the risk rules raised, open ones first counted by level, one
warning with the ledger records behind it (each linked to its verification page) and its workflow:
assign it to a regulator organisation of its jurisdiction, record how it was handled, close it.

Everything comes from ``/v1/risk`` with the regulator's key; the API checks the jurisdiction and
the workflow's order and records each step in the ledger.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..api import ApiProblem
from ..i18n import N_, _
from ..web import MOUNT, DashboardCard, NavItem, Regulator, SignedIn, Writer, _state, console_url, render
from .filings import label_of

NAV = NavItem("/risk", N_("Risk warnings"), 58)
#: The warnings not closed, by level, highest first (``GET /v1/overview`` counts them as
#: ``risk_<level>``), each linked to the list of that level.
DASHBOARD = (
    DashboardCard("risk_red", N_("Red risk warnings"), "/risk?status=active&level=red"),
    DashboardCard("risk_orange", N_("Orange risk warnings"), "/risk?status=active&level=orange"),
    DashboardCard("risk_yellow", N_("Yellow risk warnings"), "/risk?status=active&level=yellow"),
    DashboardCard("risk_blue", N_("Blue risk warnings"), "/risk?status=active&level=blue"),
)
router = APIRouter()

PAGE_SIZE = 50
LEVELS = {
    "red": N_("Red (severe)"),
    "orange": N_("Orange (high)"),
    "yellow": N_("Yellow (medium)"),
    "blue": N_("Blue (low)"),
}
STATUSES = {
    "active": N_("Not closed"),
    "open": N_("Open, not assigned"),
    "assigned": N_("Assigned"),
    "handled": N_("Handled, to close"),
    "closed": N_("Closed"),
    "all": N_("All warnings"),
}
#: The shipped rules' names; a deployment's own rules show the title its file gives.
RULES = {
    "coldchain_excursions": N_("Repeated cold-chain excursions at one firm"),
    "kitchen_violation_after_rectification": N_("Kitchen violation repeated after its rectification"),
    "recalled_supplier_still_supplying": N_("A supplier whose lot was recalled still supplies a market"),
    "stall_rapid_tests_failed": N_("A stall failed rapid tests twice"),
    "credit_grade_d": N_("A firm's credit grade fell to D"),
}
STEPS = {
    "risk.warning_raised": N_("Warning raised"),
    "risk.warning_assigned": N_("Assigned"),
    "risk.warning_handled": N_("Handled"),
    "risk.warning_closed": N_("Closed"),
}
DONE = {
    "assign": N_("Assigned: the organisation is to handle it."),
    "handle": N_("Handling recorded: the warning awaits closing."),
    "close": N_("Closed."),
}


def rule_label(warning: dict[str, Any]) -> str:
    found = RULES.get(warning["rule_id"])
    return _(found) if found else str(warning["title"])


@router.get("/risk", response_class=HTMLResponse)
async def warnings(
    request: Request, regulator: SignedIn, status: str = "active", level: str = "", cursor: str = ""
) -> HTMLResponse:
    """Warnings, newest first, with the count of those not closed by level."""
    filters = {
        "status": status if status in STATUSES else "active",
        "level": level if level in LEVELS else "",
    }
    query: dict[str, Any] = {"status": filters["status"], "cursor": cursor, "limit": PAGE_SIZE}
    if filters["level"]:
        query["level"] = filters["level"]
    found = await _state(request).api.get(regulator.key, "/v1/risk/warnings", **query)
    next_cursor = found.get("next_cursor")
    context = {
        "warnings": found["warnings"],
        "by_level": found["active_by_level"],
        "filters": filters,
        "levels": LEVELS,
        "statuses": STATUSES,
        "rule_label": rule_label,
        "label_of": label_of,
        "next_url": console_url("/risk", **filters, cursor=next_cursor) if next_cursor else None,
        "first_url": console_url("/risk", **filters) if cursor else None,
    }
    return render(request, "risk/list.html", context, regulator=regulator)


async def _detail(
    request: Request, regulator: Regulator, warning_id: str, *, form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    warning: dict[str, Any] = await _state(request).api.get(regulator.key, f"/v1/risk/warnings/{warning_id}")
    jurisdiction = warning.get("jurisdiction")
    mine = jurisdiction is None or regulator.org.get("jurisdiction") == jurisdiction
    status = warning["status"]
    context = {
        "w": warning,
        "mine": mine,
        "may_assign": mine and status in ("open", "assigned"),
        "may_handle": status == "assigned" and warning.get("assignee") == regulator.org.get("handle"),
        "may_close": mine and status != "closed",
        "levels": LEVELS,
        "statuses": STATUSES,
        "steps": STEPS,
        "rule_label": rule_label,
        "label_of": label_of,
        "done": request.query_params.get("done") if form is None else None,
        "done_messages": DONE,
        "form": form or {"for": None, "assignee": "", "note": "", "errors": {}, "problem": None},
    }
    return render(request, "risk/detail.html", context, regulator=regulator, status_code=status_code)


@router.get("/risk/{warning_id}", response_class=HTMLResponse)
async def warning(request: Request, regulator: SignedIn, warning_id: str) -> HTMLResponse:
    return await _detail(request, regulator, warning_id)


@router.post("/risk/{warning_id}/{action}", response_class=HTMLResponse)
async def step(
    request: Request,
    regulator: Writer,
    warning_id: str,
    action: str,
    note: Annotated[str, Form()] = "",
    assignee: Annotated[str, Form()] = "",
) -> Response:
    """Assigns, handles or closes the warning through the API (which records the step)."""
    if action not in DONE:
        return RedirectResponse(f"{MOUNT}/risk/{warning_id}", status_code=303)
    body: dict[str, Any] = {"note": note}
    if action == "assign":
        body["assignee"] = assignee
    try:
        await _state(request).api.post(regulator.key, f"/v1/risk/warnings/{warning_id}/{action}", body)
    except ApiProblem as problem:
        if problem.status not in (403, 409, 422):
            raise
        errors = {field.rsplit(".", 1)[-1]: why for field, why in problem.field_errors().items()}
        if "note" in errors and not note.strip():
            errors["note"] = _("Enter a note: every step says what was done.")
        kept = {"for": action, "assignee": assignee, "note": note, "errors": errors, "problem": problem}
        return await _detail(request, regulator, warning_id, form=kept, status_code=problem.status)
    return RedirectResponse(f"{MOUNT}/risk/{warning_id}?done={action}#workflow", status_code=303)
