"""Telling holders about a recall at once: a message on the organisation's MQTT topic.

Topic ``suyuan/v1/{org_handle}/recalls``, QoS 1, MQTT 5, JSON payload. A broker that cannot be
reached never blocks the recall: the notice records why it was not delivered.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import paho.mqtt.publish as publish
from paho.mqtt.client import MQTTv5

if TYPE_CHECKING:
    from paho.mqtt.publish import AuthParameter


def recall_topic(org_handle: str) -> str:
    return f"suyuan/v1/{org_handle}/recalls"


def _auth(username: str | None, password: str | None) -> AuthParameter | None:
    if username is None:
        return None
    auth: AuthParameter = {"username": username}
    if password is not None:
        auth["password"] = password
    return auth


def notify_mqtt(mqtt_url: str | None, org_handle: str, message: dict[str, Any]) -> str:
    """Publishes the notice; returns how it went, for the notice's record."""
    if mqtt_url is None:
        return "none: no MQTT broker configured (SUYUAN_MQTT_URL)"
    parts = urlsplit(mqtt_url)
    try:
        publish.single(
            recall_topic(org_handle),
            json.dumps(message),
            qos=1,
            hostname=parts.hostname or "127.0.0.1",
            port=parts.port or 1883,
            protocol=MQTTv5,
            auth=_auth(parts.username, parts.password),
        )
    except (OSError, ValueError) as exc:
        return f"mqtt failed: {exc}"
    return f"mqtt {recall_topic(org_handle)}"
