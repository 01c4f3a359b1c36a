"""Registering webhooks and delivering signed JSON to them (HMAC-SHA256 over the body)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from typing import Any

import httpx
from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session, col, select

from ..orgs.service import Member
from ..text import Line
from .models import Webhook

SIGNATURE_HEADER = "Suyuan-Signature"
TIMEOUT_S = 5.0


class WebhookIn(BaseModel):
    url: Line = Field(max_length=500)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value


def register_webhook(session: Session, member: Member, data: WebhookIn) -> Webhook:
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


def deliver(hook: Webhook, event: str, message: dict[str, Any]) -> str:
    """POSTs the message once; returns the outcome for the record (never raises)."""
    body = json.dumps({"event": event, **message}, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(hook.secret, body),
        "Suyuan-Event": event,
    }
    try:
        response = httpx.post(hook.url, content=body, headers=headers, timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        return f"webhook {hook.url} failed: {exc}"
    if response.status_code >= 300:
        return f"webhook {hook.url} answered {response.status_code}"
    return f"webhook {hook.url} delivered"
