"""Recalls: issued on chain and in the ledger, every holder told (MQTT, webhooks), acknowledged."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import NoticeDelivery, Recall, RecallClass, RecallNotice
    from .notify import NoticeWorker, recall_topic
    from .service import AcknowledgementIn, RecallIn, acknowledge, describe_recall, get_recall, issue_recall

#: Each public name and the module that defines it, imported on first use: domain packages use
#: each other's services, and importing them all eagerly here would make those imports circular.
_EXPORTS = {
    "acknowledge": ".service",
    "AcknowledgementIn": ".service",
    "describe_recall": ".service",
    "get_recall": ".service",
    "issue_recall": ".service",
    "NoticeDelivery": ".models",
    "NoticeWorker": ".notify",
    "Recall": ".models",
    "recall_topic": ".notify",
    "RecallClass": ".models",
    "RecallIn": ".service",
    "RecallNotice": ".models",
}

__all__ = [
    "AcknowledgementIn",
    "NoticeDelivery",
    "NoticeWorker",
    "Recall",
    "RecallClass",
    "RecallIn",
    "RecallNotice",
    "acknowledge",
    "describe_recall",
    "get_recall",
    "issue_recall",
    "recall_topic",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)
