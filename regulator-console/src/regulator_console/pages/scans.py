"""扫码记录 Scans: every scan recorded, newest first, by action, time recorded and lot.

The dashboard's figures of today's scans link here (``/console/scans?action=ship&since=…``), and
a lot's page links to its own (``?batch_id=…``). One page of ``GET /v1/scans`` at a time (keyset
cursor), so the list costs the same on any size of ledger.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..api import ApiProblem
from ..web import SignedIn, _state, render
from .dashboard import SCAN_ACTIONS
from .lots import PAGE_SIZE, Search, field_errors, lot_url, since_field, since_param

NAV = None
router = APIRouter()
FIELDS = ("action", "since", "batch_id")


@router.get("/scans", response_class=HTMLResponse)
async def scans(
    request: Request,
    regulator: SignedIn,
    action: str = "",
    since: str = "",
    batch_id: str = "",
    cursor: str | None = None,
) -> HTMLResponse:
    search = Search({"action": action, "since": since, "batch_id": batch_id.strip()})
    search.params.update({k: search.typed[k] for k in ("action", "batch_id") if search.typed[k]})
    since_param(search, since)
    listed = None
    if not search.errors:
        params = {**search.params, "limit": str(PAGE_SIZE), "cursor": cursor or ""}
        try:
            listed = await _state(request).api.get(regulator.key, "/v1/scans", **params)
        except ApiProblem as problem:
            if problem.status != 422:
                raise
            search.errors.update(field_errors(problem, (*FIELDS, "cursor")))
    kept = {k: v for k, v in search.typed.items() if v}
    next_cursor = listed.get("next_cursor") if listed is not None else None
    context = {
        "search": search,
        "since_value": since_field(since) if since else "",
        "actions": SCAN_ACTIONS,
        "scans": listed["scans"] if listed is not None else [],
        "listed": listed is not None,
        "first_query": urlencode(kept) if cursor else None,
        "next_query": urlencode({**kept, "cursor": next_cursor}) if next_cursor else None,
        "lot_url": lot_url,
    }
    status = 422 if search.errors else 200
    return render(request, "scans/list.html", context, regulator=regulator, status_code=status)
