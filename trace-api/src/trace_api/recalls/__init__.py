"""Recalls: previewed, issued on chain and in the ledger, every holder told (MQTT, webhooks),
acknowledged, and lifted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exports import lazy_exports

if TYPE_CHECKING:
    from .holdings import preview_recall
    from .lifting import LiftIn, lift_recall
    from .models import NoticeDelivery, Recall, RecallClass, RecallNotice, RecallStatus
    from .notify import NoticeWorker, recall_topic
    from .service import AcknowledgementIn, RecallIn, acknowledge, describe_recall, get_recall, issue_recall

#: Each public name and the module that defines it, imported on first use (see ``_exports``).
_EXPORTS = {
    "acknowledge": ".service",
    "AcknowledgementIn": ".service",
    "describe_recall": ".service",
    "get_recall": ".service",
    "issue_recall": ".service",
    "lift_recall": ".lifting",
    "LiftIn": ".lifting",
    "preview_recall": ".holdings",
    "NoticeDelivery": ".models",
    "NoticeWorker": ".notify",
    "Recall": ".models",
    "recall_topic": ".notify",
    "RecallClass": ".models",
    "RecallIn": ".service",
    "RecallNotice": ".models",
    "RecallStatus": ".models",
}

__all__ = [
    "AcknowledgementIn",
    "LiftIn",
    "NoticeDelivery",
    "NoticeWorker",
    "Recall",
    "RecallClass",
    "RecallIn",
    "RecallNotice",
    "RecallStatus",
    "acknowledge",
    "describe_recall",
    "get_recall",
    "issue_recall",
    "lift_recall",
    "preview_recall",
    "recall_topic",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
