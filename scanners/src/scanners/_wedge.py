"""A keyboard-wedge session: scans recorded one by one as they are typed, synced in the background.

A USB scanner or a PDA types each code as a line. A session that lasts a whole shift cannot wait
for the end of input to sync: each recorded scan wakes a background thread that syncs the queue
(with its own connection to it) and reports what the server answered. While the API cannot be
reached, the thread tries again on the next scan or after :data:`OFFLINE_RETRY_S`. When the input
ends, the session syncs once more in the foreground.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from ._errors import ApiUnreachable, ScannerError
from ._queue import QueuedScan, ScanQueue
from ._settings import ScannerSettings
from ._sync import ScanApi, sync_queue

#: How long a session that found the API unreachable waits before it tries again unprompted.
OFFLINE_RETRY_S = 30.0

Report = Callable[[Sequence[QueuedScan]], None]


class _Stopped(Exception):
    """The session ended while the background sync waited to retry."""


class WedgeSession:
    """Scans recorded one at a time into ``queue``; synced with the API at ``connection`` (or only
    queued when None). Use as a context manager: leaving it stops the background sync and syncs
    the rest."""

    def __init__(
        self,
        queue: ScanQueue,
        settings: ScannerSettings,
        connection: tuple[str, str] | None,
        report: Report,
        on_problem: Callable[[ScannerError], None] | None = None,
    ) -> None:
        self.queue, self.settings, self.connection = queue, settings, connection
        self.report, self.on_problem = report, on_problem
        self.scans: list[str] = []
        self.bad_lines = 0
        self.failure: ScannerError | None = None
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._background, name="scan-sync", daemon=True)

    @property
    def count(self) -> int:
        return len(self.scans)

    def record(self, body: dict[str, Any]) -> QueuedScan:
        """Queues one scan (on disk when this returns)."""
        scan = self.queue.record([body])[0]
        self.scans.append(scan.scan_id)
        return scan

    def sync_soon(self) -> None:
        """Wakes the background sync."""
        self._wake.set()

    def __enter__(self) -> WedgeSession:
        if self.connection is not None:
            self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if self.connection is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join()
        if exc_type is not None:  # interrupted: the scans are on disk, `suyuan scan sync` sends them
            return
        if self.failure is not None and not isinstance(self.failure, ApiUnreachable):
            return
        self.failure = None
        with ScanApi.from_settings(self.settings, *self.connection) as api:
            try:
                sync_queue(self.queue, api, batch_size=self.settings.scan_batch_size, settled=self.report)
            except ScannerError as exc:
                self.failure = exc

    def _background(self) -> None:
        assert self.connection is not None
        offline = False
        with (
            ScanQueue(self.queue.path) as queue,
            ScanApi.from_settings(self.settings, *self.connection, sleep=self._wait) as api,
        ):
            while not self._stop.is_set():
                self._wake.wait(OFFLINE_RETRY_S if offline else None)
                self._wake.clear()
                if self._stop.is_set():
                    return
                try:
                    sync_queue(queue, api, batch_size=self.settings.scan_batch_size, settled=self.report)
                    offline, self.failure = False, None
                except _Stopped:
                    return
                except ScannerError as exc:
                    if not offline and self.on_problem is not None:
                        self.on_problem(exc)
                    self.failure = exc
                    if not isinstance(exc, ApiUnreachable):
                        return  # a refused key or batch: trying again cannot help
                    offline = True

    def _wait(self, seconds: float) -> None:
        """The background sync's wait between tries, cut short when the session ends."""
        if self._stop.wait(seconds):
            raise _Stopped
