"""``/v1/audits``: audits of the whole evidence log, for regulators.

``POST`` starts one in the background and answers at once (202); ``GET /v1/audits/{id}`` shows its
progress, then its result; ``GET /v1/audits/{id}/report`` is its report as a JSON download.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from ..auth import Regulator
from ..context import get_services
from ..params import DEFAULT_LIMIT, Cursor, Limit
from ..services import Services
from .service import audit_report, find_audit, list_audits, start_audit
from .views import AuditPage, AuditView

router = APIRouter(prefix="/v1/audits", tags=["evidence"])


@router.post("", status_code=202)
def create_audit(
    member: Regulator, services: Annotated[Services, Depends(get_services)], response: Response
) -> AuditView:
    """Start an audit of the whole log: every record recomputed and held against every signed
    checkpoint and every on-chain anchor (as `suyuan audit` does). It runs in the background; follow
    it at `Location`. One at a time: 409 (naming `audit_id`) while another runs, in any replica."""
    audit = start_audit(services, member)
    response.headers["Location"] = f"/v1/audits/{audit.id}"
    return AuditView.of(audit)


@router.get("")
def audits(
    _: Regulator,
    services: Annotated[Services, Depends(get_services)],
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> AuditPage:
    """Audits, newest first."""
    page, next_cursor = list_audits(services, limit, cursor)
    return AuditPage(audits=[AuditView.of(a) for a in page], next_cursor=next_cursor)


@router.get("/{audit_id}")
def audit(audit_id: str, _: Regulator, services: Annotated[Services, Depends(get_services)]) -> AuditView:
    """An audit's progress (records checked of the total) while it runs; its result once finished."""
    return AuditView.of(find_audit(services, audit_id))


@router.get(
    "/{audit_id}/report",
    response_class=JSONResponse,
    responses={200: {"content": {"application/json": {}}, "description": "the report, as a download"}},
)
def report(audit_id: str, _: Regulator, services: Annotated[Services, Depends(get_services)]) -> JSONResponse:
    """A finished audit's report (JSON, as a download); 409 while it runs."""
    body: dict[str, Any] = audit_report(services, find_audit(services, audit_id))
    disposition = f'attachment; filename="suyuan-audit-{audit_id}.json"'
    return JSONResponse(body, headers={"Content-Disposition": disposition})
