"""疑似假冒信号 Counterfeit signals: every scan the network took for a sign of counterfeit goods,
newest first, filtered by reason and by the time they were recorded from (the dashboard links here
with ``?reason=<reason>``, and with ``?since=<today's start>`` for today's).

One call per page, ``GET /v1/signals`` (regulators see every signal); each signal about a known lot
links to the lot's page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..api import ApiProblem
from ..web import SignedIn, _state, console_url, render
from .dashboard import SIGNAL_KINDS
from .lots import Search, field_errors, since_field, since_param

NAV = None
router = APIRouter()


@router.get("/signals", response_class=HTMLResponse)
async def signals(
    request: Request,
    regulator: SignedIn,
    reason: str | None = None,
    batch_id: str | None = None,
    since: str = "",
    cursor: str | None = None,
) -> HTMLResponse:
    chosen = {
        "reason": reason if reason in SIGNAL_KINDS else None,
        "batch_id": batch_id or None,
        "since": since.strip() or None,
    }
    search = Search({"since": since})
    since_param(search, since)
    page: dict[str, Any] = {"signals": [], "next_cursor": None}
    if not search.errors:
        params = {"reason": chosen["reason"], "batch_id": chosen["batch_id"], **search.params}
        try:
            page = await _state(request).api.get(regulator.key, "/v1/signals", **params, cursor=cursor)
        except ApiProblem as problem:
            if problem.status != 422:
                raise
            search.errors.update(field_errors(problem, ("since", "cursor")))
    context = {
        "page": page,
        "chosen": chosen,
        "cursor": cursor,
        "reasons": SIGNAL_KINDS,
        "link": console_url,
        "errors": search.errors,
        "since_value": since_field(since) if since.strip() else "",
    }
    status = 422 if search.errors else 200
    return render(request, "signals/page.html", context, regulator=regulator, status_code=status)
