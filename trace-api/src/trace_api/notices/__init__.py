"""Notices owed to organisations (MQTT and webhooks), recorded with their fact and sent after commit."""

from .models import Channel, OwedNotice
from .service import (
    NoticeOutbox,
    NoticeSender,
    Owed,
    delivery_status,
    describe_notice,
    notices_of,
    notified_via,
    owe_notice,
    owe_notices,
)

__all__ = [
    "Channel",
    "NoticeOutbox",
    "NoticeSender",
    "Owed",
    "OwedNotice",
    "delivery_status",
    "describe_notice",
    "notices_of",
    "notified_via",
    "owe_notice",
    "owe_notices",
]
