"""``POST /v1/scans``: scan in and out; ``GET /v1/signals``: counterfeit signals for regulators, and
for the organisation that admitted or holds the goods a signal is about."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from ..auth import CurrentMember
from ..context import WriteSession, get_services, get_session
from ..problems import domain_problem
from ..services import Services
from .service import CounterfeitSuspected, ScanIn, apply_scan, readable_signals

router = APIRouter(tags=["scans"])


@router.post(
    "/v1/scans",
    status_code=201,
    response_model=None,
    responses={
        200: {
            "description": "A resent scan (the same scan_id), or the same sale at the same till within "
            "minutes: the first record, with `duplicate: true`"
        }
    },
)
def record_scan(
    scan: ScanIn,
    request: Request,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any] | JSONResponse:
    """Record a scan. A resent scan (same scan_id) answers 200 with the first record."""
    try:
        summary, resent = apply_scan(services, session, member, scan)
    except CounterfeitSuspected as exc:
        # The signal is evidence: answer the problem without raising, so the transaction commits it.
        return domain_problem(request, exc)
    if resent:
        return JSONResponse({**summary, "duplicate": True}, status_code=200)
    return summary


@router.get("/v1/signals")
def list_signals(
    member: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    code: str | None = None,
    batch_id: str | None = None,
) -> list[dict[str, Any]]:
    """Counterfeit signals, in the order recorded: all for regulators; with ``code`` or ``batch_id``,
    those about goods the caller's organisation admitted or holds. None of them is public."""
    signals = readable_signals(session, member, code=code, batch_id=batch_id)
    return [s.model_dump(mode="json") for s in signals]
