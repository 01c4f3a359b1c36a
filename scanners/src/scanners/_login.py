"""The scanner's login: which trace API it syncs with, as whom, and where it stands.

``suyuan scan login`` stores the API's address and the default location in the queue's
database, and the member's key beside it in ``<queue>.key`` (mode 0600), so a restarted scanner
keeps them. ``SUYUAN_API_URL`` and ``SUYUAN_API_KEY`` override what is stored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ._errors import NotConfigured
from ._queue import ScanQueue
from ._settings import ScannerSettings

API_URL, LOCATION = "api_url", "location"


@dataclass(frozen=True)
class Login:
    """What the scanner knows of its trace API and its place; any part may be missing."""

    api_url: str | None
    key: str | None
    location: str | None

    def connection(self) -> tuple[str, str]:
        """The API's address and the key, or :class:`NotConfigured` naming what is missing."""
        if not self.api_url or not self.key:
            missing = "trace API address" if not self.api_url else "API key"
            raise NotConfigured(
                f"no {missing} configured: run `suyuan scan login --api URL --key KEY` "
                "(or set SUYUAN_API_URL and SUYUAN_API_KEY)"
            )
        return self.api_url, self.key

    def place(self, given: str | None) -> str:
        """The location a scan is made at: ``given``, else the stored default."""
        location = (given or self.location or "").strip()
        if not location:
            raise NotConfigured(
                'no location configured: give --location "…" or store one with '
                '`suyuan scan login --location "…"`'
            )
        return location


def key_file(queue_path: Path) -> Path:
    return queue_path.with_suffix(".key")


def load_login(settings: ScannerSettings, queue: ScanQueue) -> Login:
    """The stored login, with the environment's API address and key over it."""
    stored_key = key_file(queue.path)
    key = settings.api_key.get_secret_value() if settings.api_key else None
    if key is None and stored_key.is_file():
        key = stored_key.read_text(encoding="utf-8").strip() or None
    return Login(settings.api_url or queue.setting(API_URL), key, queue.setting(LOCATION))


def save_login(queue: ScanQueue, api_url: str, key: str, location: str | None) -> None:
    """Stores the API's address, the key (readable by its owner only) and the location, if given."""
    path = key_file(queue.path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # a key file made before with wider modes is narrowed too
        os.write(fd, (key + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    queue.set_setting(API_URL, api_url.rstrip("/"))
    if location is not None:
        queue.set_setting(LOCATION, location.strip())
