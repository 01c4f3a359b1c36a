"""The MQTT broker tests publish to: ``SUYUAN_TEST_MQTT_URL`` (default the Mosquitto on
127.0.0.1:1883) when it answers, else a private ``mosquitto`` started on a free port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

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
