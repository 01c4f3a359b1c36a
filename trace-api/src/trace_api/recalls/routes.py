"""``/v1/recalls``: regulators recall; every holder is notified and acknowledges."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlmodel import Session

from ..auth import CurrentMember, Regulator
from ..context import Services, WriteSession, get_services, get_session
from .service import AcknowledgementIn, RecallIn, acknowledge, describe_recall, get_recall, issue_recall

router = APIRouter(prefix="/v1/recalls", tags=["recalls"])


@router.post("", status_code=201)
def create_recall(
    data: RecallIn,
    member: Regulator,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Recall a batch and everything split from it: on chain, in the ledger, every holder notified."""
    return describe_recall(session, issue_recall(services, session, member, data), member)


@router.get("/{recall_id}")
def read_recall(
    recall_id: str, member: CurrentMember, session: Annotated[Session, Depends(get_session)]
) -> dict[str, Any]:
    return describe_recall(session, get_recall(session, recall_id), member)


@router.post("/{recall_id}/acknowledgements", status_code=201)
def acknowledge_recall(
    recall_id: str,
    data: AcknowledgementIn,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    notice = acknowledge(services, session, member, recall_id, data)
    return notice.model_dump(mode="json", exclude={"id", "org_id"})
