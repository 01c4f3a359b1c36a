"""MQTT 5 for the messages Suyuan itself publishes: the broker URL, clients, and JSON notices.

``SUYUAN_MQTT_URL`` is ``mqtt://[user[:password]@]host[:port]``. User name and password are
percent-decoded as RFC 3986 user information, so a password holding ``@``, ``:``, ``/`` or
``%`` is written encoded (``p%40ss`` for ``p@ss``). Every notice (recall notices, cold-chain and
kitchen alerts, rectifications) is one JSON object in UTF-8, published at QoS 1 on a topic
under ``TOPIC_ROOT``.

:func:`publish_json` publishes one notice on a connection of its own and returns once the
broker has acknowledged it (the notice workers deliver each notice owed so, after commit);
long-running publishers (simulated devices) keep their connection from
:meth:`BrokerAddress.client` and publish with :func:`publish_on`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

QOS = 1
#: How long :func:`publish_json` waits for the broker, connection and acknowledgement together.
PUBLISH_TIMEOUT_S = 5.0
#: The longest one wait of the network loop, so the deadline is checked this often at least.
_LOOP_STEP_S = 0.5


class MqttError(Exception):
    """Publishing to the MQTT broker failed."""


class BrokerUrlError(MqttError, ValueError):
    """``SUYUAN_MQTT_URL`` is not ``mqtt://[user[:password]@]host[:port]``."""


class PublishError(MqttError):
    """The broker could not be reached, refused the connection or the message, or did not answer."""


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> Self:
        """The broker of ``url``, with its credentials percent-decoded; :class:`BrokerUrlError` if none."""
        parts = urlsplit(url)
        try:
            port = parts.port or 1883
        except ValueError as exc:  # a port that is no number, or out of range
            raise BrokerUrlError(f"SUYUAN_MQTT_URL {url!r}: {exc}") from exc
        if parts.scheme not in {"mqtt", "tcp"} or not parts.hostname:
            raise BrokerUrlError(f"SUYUAN_MQTT_URL {url!r}: expected mqtt://[user:password@]host[:port]")
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        return cls(parts.hostname, port, username, password)

    def apply(self, client: mqtt.Client) -> None:
        """Gives ``client`` this address's credentials, if it has any."""
        if self.username is not None:
            client.username_pw_set(self.username, self.password)

    def client(self, client_id: str = "", **options: Any) -> mqtt.Client:
        """An MQTT 5 client (callback API 2) with this address's credentials, not yet connected."""
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, **options
        )
        self.apply(client)
        return client


def json_payload(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def publish_on(client: mqtt.Client, topic: str, body: Mapping[str, Any]) -> mqtt.MQTTMessageInfo:
    """Queues one JSON notice at QoS 1 on a long-lived client; its loop sends it."""
    return client.publish(topic, json_payload(body), qos=QOS)


def publish_json(
    mqtt_url: str, topic: str, payload: Mapping[str, Any], *, timeout_s: float = PUBLISH_TIMEOUT_S
) -> None:
    """Publishes ``payload`` as JSON at QoS 1 and returns once the broker has acknowledged it.

    Raises :class:`BrokerUrlError` for a malformed URL and :class:`PublishError` when the broker
    cannot be reached, refuses the credentials or the message (MQTT 5 reason codes), or does not
    answer within ``timeout_s``. The network loop runs in the calling thread and stops once the
    connection is closed, so nothing is left running, nor logged about a closed connection.
    """
    address = BrokerAddress.parse(mqtt_url)
    deadline = time.monotonic() + timeout_s
    acks = _Acks()
    client = address.client()
    client.connect_timeout = timeout_s
    client.on_connect = acks.on_connect
    client.on_publish = acks.on_publish
    try:
        client.connect(address.host, address.port)
        _loop_until(client, lambda: acks.connack is not None, deadline)
        assert acks.connack is not None
        if acks.connack.is_failure:
            raise PublishError(
                f"the broker {address.host}:{address.port} refused the connection: {acks.connack}"
            )
        info = client.publish(topic, json_payload(payload), qos=QOS)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise PublishError(f"could not publish to {topic}: {mqtt.error_string(info.rc)}")
        _loop_until(client, lambda: info.mid in acks.pubacks, deadline)
        if (reason := acks.pubacks[info.mid]).is_failure:
            raise PublishError(f"the broker refused the message to {topic}: {reason}")
    except (OSError, ValueError) as exc:  # sockets, and paho's refusals of a topic or payload
        raise PublishError(str(exc) or type(exc).__name__) from exc
    finally:
        if client.is_connected():
            client.disconnect()


class _Acks:
    """What the broker has answered, as the network loop's callbacks report it."""

    def __init__(self) -> None:
        self.connack: ReasonCode | None = None
        self.pubacks: dict[int, ReasonCode] = {}

    def on_connect(
        self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: ReasonCode, _props: Any
    ) -> None:
        self.connack = reason

    def on_publish(
        self, _client: mqtt.Client, _userdata: Any, mid: int, reason: ReasonCode, _props: Any
    ) -> None:
        self.pubacks[mid] = reason


def _loop_until(client: mqtt.Client, done: Callable[[], bool], deadline: float) -> None:
    while not done():
        left = deadline - time.monotonic()
        if left <= 0:
            raise PublishError("the broker did not answer in time")
        rc = client.loop(timeout=min(left, _LOOP_STEP_S))
        if rc != mqtt.MQTT_ERR_SUCCESS and not done():
            raise PublishError(f"the connection to the broker was lost: {mqtt.error_string(rc)}")
