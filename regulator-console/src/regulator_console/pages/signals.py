"""疑似假冒信号 Counterfeit signals: every scan the network took for a sign of counterfeit goods,
newest first, filtered by reason (the dashboard links here with ``?reason=<reason>``).

One call per page, ``GET /v1/signals`` (regulators see every signal); each signal about a known lot
links to the lot's page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ..web import SignedIn, _state, console_url, render
from .dashboard import SIGNAL_KINDS

NAV = None
router = APIRouter()


@router.get("/signals", response_class=HTMLResponse)
async def signals(
    request: Request,
    regulator: SignedIn,
    reason: str | None = None,
    batch_id: str | None = None,
    cursor: str | None = None,
) -> HTMLResponse:
    chosen = {"reason": reason if reason in SIGNAL_KINDS else None, "batch_id": batch_id or None}
    page = await _state(request).api.get(regulator.key, "/v1/signals", **chosen, cursor=cursor)
    context = {"page": page, "chosen": chosen, "cursor": cursor, "reasons": SIGNAL_KINDS, "link": console_url}
    return render(request, "signals/page.html", context, regulator=regulator)
