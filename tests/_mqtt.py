"""The MQTT broker tests publish to: ``SUYUAN_TEST_MQTT_URL`` (default the Mosquitto on
127.0.0.1:1883) when it answers, else a private ``mosquitto`` started on a free port."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt

DEFAULT_URL = "mqtt://127.0.0.1:1883"


def _answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 1883), timeout=2):
            return True
    except OSError:
        return False


class PrivateBroker:
    def __init__(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(binary).exists():
            raise RuntimeError(
                "no MQTT broker answers and mosquitto is not installed (apt-get install mosquitto)"
            )
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.dir = Path(tempfile.mkdtemp(prefix="suyuan-mqtt-"))
        config = self.dir / "mosquitto.conf"
        config.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\n")
        self.process = subprocess.Popen(
            [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.url = f"mqtt://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 10
        while not _answers(self.url):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("private mosquitto did not start")
            time.sleep(0.05)  # polling the port until it listens, bounded

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def broker_url() -> tuple[str, PrivateBroker | None]:
    url = os.environ.get("SUYUAN_TEST_MQTT_URL", DEFAULT_URL)
    if _answers(url):
        return url, None
    broker = PrivateBroker()
    return broker.url, broker


class Inbox:
    """A real MQTT subscriber on one topic (an organisation's recalls, its alerts), keeping the
    JSON messages it receives."""

    def __init__(self, url: str, topic: str) -> None:
        parts = urlsplit(url)
        self.messages: list[dict[str, Any]] = []
        self.arrived = threading.Event()
        subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.on_connect = lambda client, *_: client.subscribe(topic, qos=1)
        self.client.on_message = self._on_message
        self.client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
        self.client.loop_start()
        assert subscribed.wait(10), "could not subscribe"

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self.messages.append(json.loads(message.payload))
        self.arrived.set()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
