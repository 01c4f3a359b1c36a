"""A private Mosquitto configured exactly as ``ingest.mosquitto`` renders it (password file,
ACL, persistence), on a free port, with restarts that keep its port and its persistence; and
an MQTT 5 client whose acknowledgements and messages tests wait on with timeouts."""

from __future__ import annotations

import queue
import shutil
import threading
from collections.abc import Iterable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from ingest._local_broker import LocalBroker as ConfiguredBroker
from ingest._local_broker import free_port

__all__ = ["BrokerClient", "ConfiguredBroker", "free_port"]

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
ACK_TIMEOUT_S = 5.0


class BrokerClient:
    """A paho MQTT 5 client on a ``ConfiguredBroker``. It never reconnects by itself: a
    connection the broker drops stays dropped (``disconnected`` is set) until ``connect``.

    ``session_expiry_s`` with ``clean_start=False`` makes a persistent session that the broker
    keeps, with its queued QoS 1 messages, while the client is away.
    """

    def __init__(
        self,
        broker: ConfiguredBroker,
        username: str,
        password: str,
        client_id: str,
        *,
        clean_start: bool = True,
        session_expiry_s: int | None = None,
    ) -> None:
        self.broker = broker
        self.clean_start = clean_start
        self.session_expiry_s = session_expiry_s
        self.messages: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.disconnected = threading.Event()
        self.session_present = False
        self._connacks: queue.Queue[ReasonCode] = queue.Queue()
        self._acks: dict[int, Any] = {}
        self._acked = threading.Condition()
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=False,
        )
        self._client.username_pw_set(username, password)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message

    def connect(self, timeout: float = ACK_TIMEOUT_S) -> ReasonCode:
        """Connect and return the CONNACK reason code (the broker refuses with a failure code)."""
        properties = None
        if self.session_expiry_s is not None:
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]  # paho leaves it untyped
            properties.SessionExpiryInterval = self.session_expiry_s
        self.disconnected.clear()
        self._client.connect(
            "127.0.0.1", self.broker.port, clean_start=self.clean_start, properties=properties
        )
        self._client.loop_start()
        try:
            return self._connacks.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no CONNACK within {timeout} s") from None

    def publish(self, topic: str, payload: bytes, timeout: float = ACK_TIMEOUT_S) -> ReasonCode:
        """Publish at QoS 1 and return the PUBACK reason code."""
        return self.publish_all([(topic, payload)], timeout=timeout)[0]

    def publish_all(
        self, messages: Iterable[tuple[str, bytes]], timeout: float = ACK_TIMEOUT_S
    ) -> list[ReasonCode]:
        """Publish at QoS 1 without waiting in between, then return the PUBACK reason codes."""
        mids = [self._client.publish(topic, payload, qos=1).mid for topic, payload in messages]
        acks = self._wait_ack(mids, timeout)
        return [acks[mid] for mid in mids]

    def subscribe(self, topic: str, qos: int = 1, timeout: float = ACK_TIMEOUT_S) -> ReasonCode:
        """Subscribe and return the SUBACK reason code for ``topic``."""
        _, mid = self._client.subscribe(topic, qos=qos)
        if mid is None:
            raise RuntimeError(f"subscribe to {topic!r} was not sent")
        codes: list[ReasonCode] = self._wait_ack([mid], timeout)[mid]
        return codes[0]

    def next_message(self, timeout: float = ACK_TIMEOUT_S) -> mqtt.MQTTMessage:
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no message within {timeout} s") from None

    def close(self) -> None:
        """Disconnect (keeping a persistent session on the broker) and stop the network thread."""
        self._client.disconnect()
        self._client.loop_stop()

    def _wait_ack(self, mids: list[int], timeout: float) -> dict[int, Any]:
        with self._acked:
            if not self._acked.wait_for(lambda: all(mid in self._acks for mid in mids), timeout):
                raise TimeoutError(f"{len(mids)} acknowledgements not all in within {timeout} s")
            return {mid: self._acks.pop(mid) for mid in mids}

    def _record_ack(self, mid: int, result: object) -> None:
        with self._acked:
            self._acks[mid] = result
            self._acked.notify_all()

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self.session_present = flags.session_present
        self._connacks.put(reason_code)

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self.disconnected.set()

    def _on_publish(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reason_code: ReasonCode,
        properties: Properties,
    ) -> None:
        self._record_ack(mid, reason_code)

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reason_codes: list[ReasonCode],
        properties: Properties,
    ) -> None:
        self._record_ack(mid, reason_codes)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        self.messages.put(message)
