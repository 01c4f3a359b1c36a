"""Webhook targets of members: registered, signed, delivered only to the addresses checked."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Webhook
    from .service import WebhookIn, post_signed, register_webhook, webhooks_of
    from .targets import UnsafeTarget, check_target

#: Each public name and the module that defines it, imported on first use: domain packages use
#: each other's services, and importing them all eagerly here would make those imports circular.
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)
