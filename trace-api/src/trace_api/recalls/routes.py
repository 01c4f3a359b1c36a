"""``/v1/recalls``: regulators preview, recall and lift; every holder is notified and acknowledges."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from ..auth import CurrentMember, Regulator
from ..context import WriteSession, get_services, get_session
from ..params import DEFAULT_LIMIT, Cursor, Limit
from ..services import Services
from .holdings import preview_recall
from .lifting import LiftIn, lift_recall
from .listing import RecallStatus, list_recalls
from .service import (
    AcknowledgementIn,
    RecallIn,
    acknowledge,
    describe_notice,
    describe_recall,
    get_recall,
    issue_recall,
)

router = APIRouter(prefix="/v1/recalls", tags=["recalls"])


@router.post("", status_code=201)
def create_recall(
    data: RecallIn,
    member: Regulator,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Recall a batch and everything split from it: on chain, in the ledger, every holder notified."""
    recall = issue_recall(services, session, member, data)
    return describe_recall(session, services.ledger, recall, member)


@router.get("")
def recalls(
    member: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    status: RecallStatus | None = None,
    batch_id: Annotated[str | None, Query(max_length=64, description="recalls of this lot")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Recalls, newest first: those a holder was notified of, with its own notices; all for a regulator."""
    return list_recalls(session, member, status, batch_id, limit, cursor)


@router.get("/preview")
def preview(
    member: Regulator,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
    batch_id: Annotated[str, Query(max_length=64, description="the lot a recall would start from")],
) -> dict[str, Any]:
    """What recalling the lot would reach, before it is issued: the lots it covers, each holder
    with its lots, quantity, unsold item codes and notice channels, and the totals. Writes nothing."""
    return preview_recall(services, session, batch_id)


@router.get("/{recall_id}")
def read_recall(
    recall_id: str,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
) -> dict[str, Any]:
    """The recall, its notices with their deliveries, its progress and its drill timings."""
    return describe_recall(session, services.ledger, get_recall(session, recall_id), member)


@router.post("/{recall_id}/lift")
def lift(
    recall_id: str,
    data: LiftIn,
    member: Regulator,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Lift a recall in force, with the reason: in the ledger (``recall.lifted``) and on chain
    (``liftRecall``, after commit). A recall is lifted once; lifting it again is a conflict."""
    recall = lift_recall(services, session, member, recall_id, data)
    return describe_recall(session, services.ledger, recall, member)


@router.post("/{recall_id}/acknowledgements", status_code=201)
def acknowledge_recall(
    recall_id: str,
    data: AcknowledgementIn,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Acknowledge a recall notice, or correct the latest acknowledgement (``supersedes``)."""
    notice = acknowledge(services, session, member, recall_id, data)
    return describe_notice(notice, member.org)
