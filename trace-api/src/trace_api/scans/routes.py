"""``POST /v1/scans``: scan in and out; ``GET /v1/scans``: the scans recorded (a regulator's all, a
member's own); ``GET /v1/signals``: counterfeit signals for regulators, and for the organisation
that admitted or holds the goods a signal is about."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime
from sqlmodel import Session

from .._paging import DEFAULT_LIMIT, Cursor, Limit
from ..auth import CurrentMember
from ..context import WriteSession, get_services, get_session
from ..problems import domain_problem
from ..services import Services
from .listing import ScanFilter, list_scans
from .models import SignalReason
from .service import Action, CounterfeitSuspected, ScanIn, apply_scan
from .signals import describe_signals, readable_signals

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


@router.get("/v1/scans")
def scans(
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
    action: Action | None = None,
    since: Annotated[
        AwareDatetime | None,
        Query(description="scans recorded at or after this RFC 3339 time, e.g. 2026-12-04T00:00:00+08:00"),
    ] = None,
    batch_id: Annotated[
        str | None, Query(max_length=64, description="scans of this lot (and the split that made it)")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Scans, newest recorded first (with a lot, in log order, newest first): every organisation's
    for a regulator, the caller's own otherwise.

    Each scan says who it moved the goods `from` and `to` (handles: a shipment goes from the
    scanner to its counterparty, a receipt from the counterparty to the scanner), its scan `time`,
    when it was `recorded_at`, and its ledger record."""
    wanted = ScanFilter(action=action, since=since, batch_id=batch_id)
    return list_scans(services, session, member, wanted, limit, cursor)


@router.get("/v1/signals")
def list_signals(
    member: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    code: Annotated[str | None, Query(max_length=512, description="GS1 Digital Link URI of an item")] = None,
    batch_id: Annotated[str | None, Query(max_length=64)] = None,
    reason: Annotated[SignalReason | None, Query(description="why the scan was taken for a sign")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Counterfeit signals, newest first, a page at a time: all for regulators; with ``code`` or
    ``batch_id``, those about goods the caller's organisation admitted or holds. None is public."""
    signals, next_cursor = readable_signals(
        session, member, code=code, batch_id=batch_id, reason=reason, limit=limit, cursor=cursor
    )
    return {"signals": describe_signals(session, signals), "next_cursor": next_cursor}
