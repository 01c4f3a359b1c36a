"""Cold-chain views: alerts (regulators see every organisation's) and their acknowledgements, a
batch's record, dead letters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from ..auth import CurrentMember
from ..batches.lineage import with_ancestors
from ..batches.service import get_batch, require_batch_reader
from ..context import WriteSession, get_services, get_session
from ..params import DEFAULT_LIMIT, Cursor, Limit
from ..services import Services
from .alerts import AcknowledgementIn, AlertFilter, AlertStatus, acknowledge_alert, list_alerts, read_alert
from .dead_letters import list_dead_letters
from .models import AlertRule
from .summary import cold_chain_of

router = APIRouter(tags=["cold chain"])

OrgHandle = Annotated[str | None, Query(max_length=64, description="an organisation's handle (regulators)")]


@router.get("/v1/alerts")
def alerts(
    member: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    status: AlertStatus = AlertStatus.open,
    rule: Annotated[AlertRule | None, Query(description="the rule that opened the alert")] = None,
    org: OrgHandle = None,
    device: Annotated[str | None, Query(max_length=128, description="a device's username, org/name")] = None,
    acknowledged: Annotated[bool | None, Query(description="acknowledged (true) or not yet (false)")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Alerts, newest first: the caller's organisation's, or every organisation's for a regulator.
    ``open`` means not closed yet, acknowledged or not."""
    criteria = AlertFilter(status=status, rule=rule, org=org, device=device, acknowledged=acknowledged)
    return list_alerts(session, member, criteria, limit, cursor)


@router.get("/v1/alerts/{alert_id}")
def alert(
    alert_id: str, member: CurrentMember, session: Annotated[Session, Depends(get_session)]
) -> dict[str, Any]:
    return read_alert(session, member, alert_id)


@router.post("/v1/alerts/{alert_id}/acknowledgements", status_code=201)
def acknowledge(
    alert_id: str,
    data: AcknowledgementIn,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Say that the alert was seen, with a note: once per alert, by the organisation whose device
    raised it or by a regulator. The alert stays open until its readings return to normal."""
    return acknowledge_alert(services, session, member, alert_id, data)


@router.get("/v1/batches/{batch_id}/coldchain")
def batch_cold_chain(
    batch_id: str, member: CurrentMember, session: Annotated[Session, Depends(get_session)]
) -> dict[str, Any]:
    """The batch's cold-chain record per hop (its ancestors' before it was split from them)."""
    batch = get_batch(session, batch_id)
    require_batch_reader(member, batch)
    lineage = [b.id for b in with_ancestors(session, batch)]
    return {
        "batch_id": batch_id,
        "hops": [h.model_dump(mode="json") for h in cold_chain_of(session, lineage)],
    }


@router.get("/v1/dead-letters")
def dead_letters(
    member: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    reason: Annotated[str | None, Query(max_length=64, description="why ingest refused the message")] = None,
    org: OrgHandle = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Messages the ingest could not take, newest first, with the reason: the caller's devices', or
    all for a regulator. ``counts`` sums each reason's messages (repeats included) over the scope."""
    return list_dead_letters(session, member, reason=reason, org=org, limit=limit, cursor=cursor)
