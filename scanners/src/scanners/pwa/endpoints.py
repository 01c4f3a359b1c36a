"""``/scan/api/*``: what the app's scripts ask the server, each answered with the signed-in member's
key through the trace API in process.

- ``GET /scan/api/me``: the member's organisation (and, for an inspector's session, the inspector)
  and the session's CSRF token (the app keeps the
  token in memory only; the key never leaves the server);
- ``POST /scan/api/sync``: the queued scans, sent on to ``POST /v1/scans:batch``; the API's answer
  (a result per scan) comes back as it is;
- ``GET /scan/api/partners?q=``: members to ship to, by part of their name or handle.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from regulator_console.api import ApiProblem

from .signin import SCANNER_ROLES, SignedIn, Writer
from .state import passed_on, problem, state_of

#: The trace API's batch endpoint (exactly once per ``scan_id``).
SCAN_BATCH_PATH = "/v1/scans:batch"
#: Partners offered for one search.
PARTNERS_SHOWN = 20

router = APIRouter(prefix="/api")


@router.get("/me")
async def me(trader: SignedIn) -> dict[str, Any]:
    org = trader.org
    position = org.get("position") or {}
    return {
        "org": {
            "handle": org.get("handle"),
            "name": org.get("name"),
            "org_type": org.get("org_type"),
            "address": position.get("address") if isinstance(position, dict) else None,
        },
        "inspector": _inspector(trader.inspector),
        "csrf": trader.session.csrf,
        "expires_at": trader.session.expires_at,
    }


def _inspector(found: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the inspection mode shows of the inspector (None for a member's session)."""
    if found is None:
        return None
    return {"name": found.get("name"), "badge_no": found.get("badge_no")}


@router.post("/sync")
async def sync(request: Request, trader: Writer) -> Response:
    try:
        body = await request.json()
    except ValueError:
        return problem(422, "The request is invalid", 'send JSON: {"scans": [...]}')
    try:
        answer = await state_of(request).api.request(trader.key, "POST", SCAN_BATCH_PATH, json=body)
    except ApiProblem as refused:
        return passed_on(refused)
    return JSONResponse(answer.json())


@router.get("/partners")
async def partners(
    request: Request, trader: SignedIn, q: Annotated[str, Query(min_length=1, max_length=200)]
) -> dict[str, Any]:
    found = await state_of(request).api.get(
        trader.key, "/v1/organisations", q=q, status="active", limit=PARTNERS_SHOWN
    )
    return {
        "partners": [
            {"handle": org["handle"], "name": org["name"], "org_type": org["org_type"]}
            for org in found.get("organisations", [])
            if org.get("org_type") in SCANNER_ROLES and org.get("handle") != trader.org.get("handle")
        ]
    }
