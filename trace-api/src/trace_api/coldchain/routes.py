"""Cold-chain views: alerts (regulators see every organisation's), a batch's record, dead letters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session, col, select

from ..auth import CurrentMember
from ..batches.lineage import with_ancestors
from ..batches.service import get_batch, require_batch_reader
from ..context import get_session
from ..devices.models import Device
from ..errors import Forbidden
from ..orgs.models import Organisation, OrgType
from .models import Alert, DeadLetter
from .summary import cold_chain_of

router = APIRouter(tags=["cold chain"])


@router.get("/v1/alerts")
def alerts(
    member: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    status: Literal["open", "closed", "all"] = "open",
    org: Annotated[str | None, Query(max_length=64, description="regulators: this member's alerts")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Alerts, newest first: the caller's organisation's, or every organisation's (or ``org``'s) for
    a regulator."""
    query = select(Alert, Device.username).join(Device, col(Device.id) == Alert.device_id)
    if member.org.org_type is not OrgType.regulator:
        if org is not None and org != member.org.handle:
            raise Forbidden(f"{member.org.handle} may list its own alerts only")
        query = query.where(Alert.org_id == member.org.id)
    elif org is not None:
        query = query.join(Organisation, col(Organisation.id) == Alert.org_id).where(
            Organisation.handle == org
        )
    if status == "open":
        query = query.where(col(Alert.closed_at).is_(None))
    elif status == "closed":
        query = query.where(col(Alert.closed_at).is_not(None))
    rows = session.exec(query.order_by(col(Alert.opened_at).desc()).limit(limit)).all()
    return {"alerts": [_alert(alert, username) for alert, username in rows]}


def _alert(alert: Alert, username: str) -> dict[str, Any]:
    data = alert.model_dump(mode="json", exclude={"batch_ids", "org_id", "device_id"})
    data["device"] = username
    data["batch_ids"] = [b for b in alert.batch_ids.split(",") if b]
    data["status"] = "open" if alert.closed_at is None else "closed"
    return data


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
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Messages the ingest could not take, with the reason: the caller's devices', or all for a regulator."""
    scope = [] if member.org.org_type is OrgType.regulator else [DeadLetter.org_handle == member.org.handle]
    rows = session.exec(select(DeadLetter).where(*scope).order_by(col(DeadLetter.id).desc()).limit(limit))
    by_reason: dict[str, int] = {}
    for reason, repeats in session.exec(select(DeadLetter.reason, DeadLetter.repeats).where(*scope)):
        by_reason[reason] = by_reason.get(reason, 0) + repeats
    return {"counts": by_reason, "dead_letters": [_dead_letter(d) for d in rows]}


def _dead_letter(letter: DeadLetter) -> dict[str, Any]:
    data = letter.model_dump(mode="json", exclude={"payload"})
    data["payload"] = letter.payload.decode("utf-8", errors="replace")[:2000]
    return data
