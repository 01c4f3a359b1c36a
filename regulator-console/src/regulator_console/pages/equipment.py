"""特种设备 Elevators: every registered elevator by status and grid area, and one elevator's
page with its maintenance history, contracts, inspections and the faults reported from its
public page.

Everything comes from ``/v1/equipment`` with the regulator's key. The QR symbol and the
maintenance photos are forwarded from the API by the routes below, so the pages load nothing
from elsewhere and the API's access rules apply to each.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..api import ApiProblem
from ..i18n import N_, _, language
from ..vocabulary import ALERT_RULES
from ..web import DashboardCard, NavItem, SignedIn, _state, console_url, render

NAV = NavItem("/equipment", N_("Elevators"), 55)
#: The dashboard's figures of the elevators' alerts, each linked to the open alerts it counts.
DASHBOARD = (
    DashboardCard(
        "maintenance_overdue",
        N_("Elevators overdue for maintenance"),
        "/alerts?status=open&kind=maintenance_overdue",
    ),
    DashboardCard("equipment_fault", N_("Elevator faults"), "/alerts?status=open&kind=equipment_fault"),
    DashboardCard(
        "contract_missing",
        N_("Elevators without a maintenance contract"),
        "/alerts?status=open&kind=contract_missing",
    ),
)
router = APIRouter()

PAGE_SIZE = 25
HISTORY_SIZE = 20
STATUSES = {
    "all": N_("All"),
    "normal": N_("In order"),
    "due_soon": N_("Maintenance due soon"),
    "overdue": N_("Maintenance overdue"),
    "fault": N_("Fault reported"),
}
STATUS_BADGES = {"normal": "good", "due_soon": "warn", "overdue": "bad", "fault": "bad"}
PROBLEMS = {
    "trapped": N_("Someone trapped"),
    "stopped": N_("Not running"),
    "doors": N_("Doors"),
    "noise": N_("Noise or shaking"),
    "other": N_("Other"),
}
FAULTS = {"fault": N_("Fault"), "alarm": N_("Alarm"), "trapped": N_("Someone trapped")}
_CODE = re.compile(r"^[0-9]{20}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _filters(status: str, grid: str, maintainer: str, user: str) -> dict[str, str]:
    return {
        "status": status if status in STATUSES else "all",
        "grid": grid.strip()[:32],
        "maintainer": maintainer.strip()[:64],
        "user": user.strip()[:64],
    }


def _label(table: dict[str, str], value: str | None) -> str:
    found = table.get(value or "")
    return _(found) if found else (value or "")


@router.get("/equipment", response_class=HTMLResponse)
async def equipment_list(
    request: Request,
    regulator: SignedIn,
    status: str = "all",
    grid: str = "",
    maintainer: str = "",
    user: str = "",
    cursor: str = "",
) -> HTMLResponse:
    filters = _filters(status, grid, maintainer, user)
    api = _state(request).api
    problem = None
    try:
        found = await api.get(regulator.key, "/v1/equipment", **filters, cursor=cursor, limit=PAGE_SIZE)
    except ApiProblem as refused:
        if refused.status != 422:
            raise
        found, problem = {"equipment": [], "next_cursor": None}, refused
    grids = (await api.get(regulator.key, "/v1/equipment/grids"))["grids"]
    context = {
        "elevators": found["equipment"],
        "grids": grids,
        "filters": filters,
        "problem": problem,
        "next_url": console_url("/equipment", **filters, cursor=found["next_cursor"])
        if found.get("next_cursor")
        else None,
        "first_url": console_url("/equipment", **filters) if cursor else None,
        "statuses": STATUSES,
        "badges": STATUS_BADGES,
        "fault_label": lambda value: _label(FAULTS, value),
        "rule_label": lambda value: _label(ALERT_RULES, value),
    }
    return render(request, "equipment/list.html", context, regulator=regulator)


@router.get("/equipment/{code}", response_class=HTMLResponse)
async def elevator(request: Request, regulator: SignedIn, code: str, cursor: str = "") -> HTMLResponse:
    api = _state(request).api
    found: dict[str, Any] = await api.get(regulator.key, f"/v1/equipment/{code}")
    history = await api.get(
        regulator.key, f"/v1/equipment/{code}/maintenance", cursor=cursor, limit=HISTORY_SIZE
    )
    reports = await api.get(regulator.key, f"/v1/equipment/{code}/fault-reports", limit=20)
    checklist = await api.get(regulator.key, "/v1/equipment/checklist")
    items = {i["code"]: i["zh"] if language() == "zh" else i["en"] for i in checklist["items"]}
    context = {
        "e": found,
        "history": history["maintenance"],
        "reports": reports["reports"],
        "items": items,
        "next_url": console_url(f"/equipment/{code}", cursor=history["next_cursor"]) + "#history"
        if history.get("next_cursor")
        else None,
        "first_url": console_url(f"/equipment/{code}") + "#history" if cursor else None,
        "statuses": STATUSES,
        "badges": STATUS_BADGES,
        "problem_label": lambda value: _label(PROBLEMS, value),
        "fault_label": lambda value: _label(FAULTS, value),
        "rule_label": lambda value: _label(ALERT_RULES, value),
        "public_path": f"/e/{code}",
    }
    return render(request, "equipment/detail.html", context, regulator=regulator)


@router.get("/equipment/{code}/qr.svg")
async def qr_symbol(request: Request, regulator: SignedIn, code: str) -> Response:
    """The elevator's QR symbol (its public page), as the API draws it."""
    if not _CODE.match(code):
        raise ApiProblem(404, {"detail": _("No such elevator.")})
    answer = await _state(request).api.request(regulator.key, "GET", f"/v1/equipment/{code}/qr.svg")
    return Response(answer.content, media_type="image/svg+xml")


@router.get("/equipment/{code}/photos/{sha256}")
async def photo(request: Request, regulator: SignedIn, code: str, sha256: str) -> Response:
    """A photo of one of the elevator's maintenance visits."""
    visits = await _state(request).api.get(regulator.key, f"/v1/equipment/{code}/maintenance", limit=200)
    own = {p for v in visits["maintenance"] for p in v["photos"]}
    if not _SHA256.match(sha256) or sha256 not in own:
        raise ApiProblem(404, {"detail": _("This elevator has no such photo.")})
    answer = await _state(request).api.request(regulator.key, "GET", f"/v1/documents/{sha256}")
    return Response(answer.content, media_type=answer.headers.get("content-type", "application/octet-stream"))
