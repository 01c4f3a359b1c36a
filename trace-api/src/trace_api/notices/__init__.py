"""Notices owed to organisations (MQTT and webhooks), recorded with their fact and sent after commit."""

from .models import Channel, OwedNotice
from .service import NoticeSender, delivery_status, describe_notice, notices_of, owe_notice

__all__ = [
    "Channel",
    "NoticeSender",
    "OwedNotice",
    "delivery_status",
    "describe_notice",
    "notices_of",
    "owe_notice",
]
