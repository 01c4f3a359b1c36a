"""``/v1/webhooks``: an organisation registers where recall notices are delivered."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlmodel import Session

from ..auth import CurrentMember
from ..context import WriteSession, get_services, get_session
from ..services import Services
from .service import SIGNATURE_HEADER, WebhookIn, register_webhook, webhooks_of

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


@router.post("", status_code=201)
def add_webhook(
    data: WebhookIn,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Register a webhook; its secret (shown once) signs each delivery in the Suyuan-Signature header."""
    hook = register_webhook(session, services.settings, member, data)
    return {"id": hook.id, "url": hook.url, "secret": hook.secret, "signature_header": SIGNATURE_HEADER}


@router.get("")
def list_webhooks(
    member: CurrentMember, session: Annotated[Session, Depends(get_session)]
) -> list[dict[str, Any]]:
    return [
        {"id": h.id, "url": h.url, "created_at": h.created_at.isoformat()}
        for h in webhooks_of(session, member.org.id)
    ]
