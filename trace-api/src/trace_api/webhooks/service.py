"""Registering webhooks and delivering signed JSON to them (HMAC-SHA256 over the body)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from typing import Any

import httpx
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from ..errors import Unprocessable
from ..orgs.service import Member
from ..settings import ServiceSettings
from ..text import Line
from .models import Webhook
from .targets import UnsafeTarget, check_target, post_to_target

SIGNATURE_HEADER = "Suyuan-Signature"
TIMEOUT_S = 5.0


class WebhookIn(BaseModel):
    url: Line = Field(max_length=500)


def require_target(url: str, settings: ServiceSettings, field: str) -> None:
    """422 naming ``field`` unless the URL may receive deliveries (see :mod:`.targets`)."""
    try:
        check_target(url, settings)
    except UnsafeTarget as exc:
        raise Unprocessable.field(field, str(exc)) from exc


def register_webhook(session: Session, settings: ServiceSettings, member: Member, data: WebhookIn) -> Webhook:
    require_target(data.url, settings, "url")
    hook = Webhook(
        org_id=member.org.id,
        url=data.url,
        secret=secrets.token_urlsafe(32),
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(hook)
    session.commit()
    session.refresh(hook)
    return hook


def webhooks_of(session: Session, org_id: str) -> list[Webhook]:
    return list(session.exec(select(Webhook).where(Webhook.org_id == org_id).order_by(col(Webhook.id))))


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_signed(
    hook: Webhook,
    event: str,
    message: dict[str, Any],
    settings: ServiceSettings,
    *,
    headers: dict[str, str] | None = None,
) -> str | None:
    """POSTs the message once, signed; returns why it was not accepted, or None (never raises).

    The target is checked again first, its host may resolve elsewhere than at registration, and
    the POST goes to the addresses checked (:func:`.targets.post_to_target`)."""
    body = json.dumps({"event": event, **message}, sort_keys=True).encode()
    sent = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(hook.secret, body),
        "Suyuan-Event": event,
        **(headers or {}),
    }
    try:
        response = post_to_target(hook.url, settings, content=body, headers=sent, timeout=TIMEOUT_S)
    except UnsafeTarget as exc:
        return f"refused: {exc}"
    except httpx.HTTPError as exc:
        return f"failed: {exc}"
    if response.status_code >= 300:
        return f"answered {response.status_code}"
    return None
