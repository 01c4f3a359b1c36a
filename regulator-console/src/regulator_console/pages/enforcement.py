"""移动执法 Mobile enforcement in the console: the inspections of the regulator's jurisdiction and
the enforcement documents drawn up from them, and one inspection with every finding, its
evidence, and its documents (their PDFs, signatures, countersignatures and public check pages).

Everything comes from ``/v1/enforcement`` with the regulator's key; evidence and PDFs are
forwarded from the API (:func:`.filings.forward`), so the pages load nothing from elsewhere.
Inspections are recorded by inspectors on their phones, not here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..i18n import N_
from ..web import NavItem, SignedIn, _state, console_url, render
from .filings import forward, label_of

NAV = NavItem("/enforcement", N_("Mobile enforcement"), 57)
router = APIRouter()

PAGE_SIZE = 20
RESULTS = {"pass": N_("Complies"), "fail": N_("Does not comply"), "not_applicable": N_("Not applicable")}
RESULT_BADGES = {"pass": "good", "fail": "bad", "not_applicable": ""}
KINDS = {"inspection_record": N_("On-site inspection record"), "rectification_order": N_("Order to rectify")}
STATUSES = {
    "issued": N_("Drawn up, awaiting the inspector's signature"),
    "signed": N_("Signed, awaiting the party's countersignature"),
    "delivered": N_("Countersigned and delivered"),
}
STATUS_BADGES = {"issued": "warn", "signed": "warn", "delivered": "good"}


@router.get("/enforcement", response_class=HTMLResponse)
async def enforcement(request: Request, regulator: SignedIn, cursor: str = "") -> HTMLResponse:
    """The jurisdiction's inspections, newest first, and its documents."""
    api = _state(request).api
    found = await api.get(regulator.key, "/v1/enforcement/inspections", cursor=cursor, limit=PAGE_SIZE)
    documents = await api.get(regulator.key, "/v1/enforcement/documents")
    next_cursor = found.get("next_cursor")
    context = {
        "inspections": found["inspections"],
        "documents": documents["documents"],
        "jurisdiction": regulator.org.get("jurisdiction", ""),
        "next_url": console_url("/enforcement", cursor=next_cursor) if next_cursor else None,
        "first_url": console_url("/enforcement") if cursor else None,
        **_labels(),
    }
    return render(request, "enforcement/list.html", context, regulator=regulator)


@router.get("/enforcement/{number}", response_class=HTMLResponse)
async def inspection(request: Request, regulator: SignedIn, number: str) -> HTMLResponse:
    """One inspection: its party, every finding with its evidence, and its documents."""
    api = _state(request).api
    found: dict[str, Any] = await api.get(regulator.key, f"/v1/enforcement/inspections/{number}")
    documents = await api.get(regulator.key, "/v1/enforcement/documents", inspection=number)
    context = {"i": found, "r": found["record"], "documents": documents["documents"], **_labels()}
    return render(request, "enforcement/detail.html", context, regulator=regulator)


@router.get("/enforcement/{number}/evidence/{sha256}")
async def evidence(request: Request, regulator: SignedIn, number: str, sha256: str) -> Response:
    return await forward(request, regulator, f"/v1/enforcement/inspections/{number}/evidence/{sha256}")


@router.get("/enforcement/documents/{document_id}.pdf")
async def document_pdf(request: Request, regulator: SignedIn, document_id: str) -> Response:
    return await forward(request, regulator, f"/v1/enforcement/documents/{document_id}/pdf")


def _labels() -> dict[str, Any]:
    return {
        "results": RESULTS,
        "result_badges": RESULT_BADGES,
        "kinds": KINDS,
        "statuses": STATUSES,
        "status_badges": STATUS_BADGES,
        "label_of": label_of,
    }
