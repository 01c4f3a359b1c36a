"""Webhook targets of members: registered, signed, delivered only to the addresses checked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exports import lazy_exports

if TYPE_CHECKING:
    from .models import Webhook
    from .service import WebhookIn, post_signed, register_webhook, webhooks_of
    from .targets import UnsafeTarget, check_target

#: Each public name and the module that defines it, imported on first use (see ``_exports``).
_EXPORTS = {
    "check_target": ".targets",
    "post_signed": ".service",
    "register_webhook": ".service",
    "UnsafeTarget": ".targets",
    "Webhook": ".models",
    "WebhookIn": ".service",
    "webhooks_of": ".service",
}

__all__ = [
    "UnsafeTarget",
    "Webhook",
    "WebhookIn",
    "check_target",
    "post_signed",
    "register_webhook",
    "webhooks_of",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
