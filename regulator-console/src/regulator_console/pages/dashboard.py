"""总览 Dashboard: what needs a regulator's attention now, each figure linking to the list behind it.

One call, ``GET /v1/overview`` (counts over indexes, bounded lists), so the page answers as fast on
a ledger of millions of records as on an empty one. The active recalls' progress refreshes itself
(htmx, every 10 s) while the page is open.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..i18n import N_
from ..vocabulary import AUDIT_RESULTS
from ..web import NavItem, SignedIn, _state, render

NAV = NavItem("/", "Overview", 0)
router = APIRouter()

#: Alert kinds in the order the dashboard shows them, with their labels (message ids).
ALERT_KINDS = {
    "temperature": N_("Temperature excursions"),
    "door_open": N_("Doors left open"),
    "silent": N_("Silent devices"),
    "kitchen_incident": N_("Kitchen violations"),
}
SCAN_ACTIONS = {
    "receive": N_("Received"),
    "ship": N_("Shipped"),
    "split": N_("Split"),
    "sell": N_("Sold"),
    "destroy": N_("Destroyed"),
}
SIGNAL_KINDS = {
    "code_never_issued": N_("Code never issued"),
    "sold_twice": N_("Sold twice"),
    "destroyed_item": N_("Destroyed item scanned"),
    "off_custody_path": N_("Off the custody path"),
    "code_batch_mismatch": N_("Code and lot do not match"),
}


async def _overview(request: Request, regulator: SignedIn) -> dict[str, Any]:
    overview: dict[str, Any] = await _state(request).api.get(regulator.key, "/v1/overview")
    return overview


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request, regulator: SignedIn) -> HTMLResponse:
    context = {
        "o": await _overview(request, regulator),
        "alert_kinds": ALERT_KINDS,
        "scan_actions": SCAN_ACTIONS,
        "signal_kinds": SIGNAL_KINDS,
        "audit_results": AUDIT_RESULTS,
    }
    return render(request, "dashboard/page.html", context, regulator=regulator)


@router.get("/partials/recalls", response_class=HTMLResponse)
async def recalls_progress(request: Request, regulator: SignedIn) -> HTMLResponse:
    """The active recalls' progress alone (the dashboard polls it)."""
    context = {"o": await _overview(request, regulator)}
    return render(request, "dashboard/recalls.html", context, regulator=regulator)
