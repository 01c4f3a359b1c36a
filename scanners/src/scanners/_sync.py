"""Syncing the queue with the trace API's ``POST /v1/scans:batch``, exactly once.

The queue is sent oldest first in batches; each scan keeps its scan_id, so a batch resent after a
lost answer records nothing twice (the server answers such scans with their first outcome). A
scan leaves ``pending`` only on a per-scan result in a 200 answer. Anything else — a refused
connection, a cut, a timeout, a 5xx, a 503 while the server's database is busy — leaves it
pending and the same batch is tried again after a wait that doubles each time; a refused key
stops at once, since trying again cannot help.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from ._errors import ApiUnreachable, BatchRefused, KeyRefused
from ._queue import QueuedScan, ScanQueue
from ._settings import SYNC_BATCH, ScannerSettings

BATCH_PATH = "/v1/scans:batch"


@dataclass(frozen=True)
class SyncReport:
    """What one sync did: scans sent, and how many of them the server recorded or refused."""

    sent: int = 0
    recorded: int = 0
    refused: int = 0
    duplicates: int = 0
    unanswered: int = 0


@dataclass(frozen=True)
class Retrying:
    """How often and how patiently to try a request again (waits double, up to ``longest_s``)."""

    retries: int = 5
    first_s: float = 0.5
    longest_s: float = 30.0

    def wait(self, attempt: int, asked_s: float | None = None) -> float:
        """Seconds to wait before try number ``attempt`` (1 is the first retry)."""
        doubled = self.first_s * 2.0 ** (attempt - 1)
        return min(max(doubled, asked_s or 0.0), self.longest_s)


class ScanApi:
    """The trace API as one member (its API key) sees it: sending scans, asking who it is."""

    def __init__(
        self,
        base_url: str,
        key: str,
        retrying: Retrying | None = None,
        *,
        timeout_s: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retrying = retrying or Retrying()
        self._sleep = sleep
        headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout_s)

    @classmethod
    def from_settings(
        cls, settings: ScannerSettings, base_url: str, key: str, sleep: Callable[[float], None] = time.sleep
    ) -> ScanApi:
        retrying = Retrying(
            settings.scan_retries, settings.scan_backoff_seconds, settings.scan_backoff_max_seconds
        )
        return cls(base_url, key, retrying, timeout_s=settings.scan_timeout_seconds, sleep=sleep)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ScanApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def member(self) -> dict[str, Any]:
        """The caller's organisation (``GET /v1/organisations/me``), tried once."""
        try:
            response = self._http.get("/v1/organisations/me")
        except httpx.TransportError as exc:
            raise ApiUnreachable(f"cannot reach the trace API at {self.base_url}: {_described(exc)}") from exc
        if response.status_code in (401, 403):
            raise self._key_refused(response)
        if response.status_code != 200:
            raise ApiUnreachable(f"the trace API at {self.base_url} answered {_status(response)}")
        return dict(response.json())

    def send(self, scans: Sequence[QueuedScan]) -> list[dict[str, Any]]:
        """The server's per-scan results for ``scans``, retrying what may be retried."""
        body = ('{"scans":[' + ",".join(scan.body for scan in scans) + "]}").encode()
        failure, asked_s = "", None
        for attempt in range(self.retrying.retries + 1):
            if attempt:
                self._sleep(self.retrying.wait(attempt, asked_s))
            try:
                response = self._http.post(
                    BATCH_PATH, content=body, headers={"Content-Type": "application/json"}
                )
            except httpx.TransportError as exc:
                failure, asked_s = _described(exc), None
                continue
            results = _results(response)
            if results is not None:
                return results
            if response.status_code in (401, 403):
                raise self._key_refused(response)
            if response.status_code < 500 and response.status_code not in (200, 408, 429):
                raise self._batch_refused(response)
            failure, asked_s = _status(response), _retry_after(response)
        tries = self.retrying.retries + 1
        raise ApiUnreachable(f"cannot reach the trace API at {self.base_url}: {failure} ({tries} tries)")

    def _key_refused(self, response: httpx.Response) -> KeyRefused:
        return KeyRefused(
            f"the trace API at {self.base_url} refused the key ({_status(response)}): "
            "run `suyuan scan login --key …` with a member's key"
        )

    def _batch_refused(self, response: httpx.Response) -> BatchRefused:
        status = response.status_code
        if status in (404, 405):
            return BatchRefused(
                f"the trace API at {self.base_url} has no {BATCH_PATH} ({status}): "
                "is it older than this scanner?",
                status,
            )
        return BatchRefused(f"the trace API refused the batch ({_status(response)})", status)


def sync_queue(
    queue: ScanQueue,
    api: ScanApi,
    *,
    batch_size: int = SYNC_BATCH,
    progress: Callable[[int, int], None] | None = None,
    settled: Callable[[Sequence[QueuedScan]], None] | None = None,
) -> SyncReport:
    """Sends the queue's pending scans, oldest first, in batches; settles each answered scan.

    Each pending scan is sent once per call (a scan the server leaves unanswered stays pending
    for the next sync); a batch too large for the server (413) is sent again in halves.
    ``progress(sent, total)`` follows the batches; ``settled`` gets each batch's scans the server
    answered, as settled. Raises :class:`KeyRefused`, :class:`ApiUnreachable` or
    :class:`BatchRefused` with the scans not yet answered left pending.
    """
    total = queue.counts()["pending"]
    sent = recorded = refused = duplicates = unanswered = 0
    after = 0
    while batch := queue.pending(batch_size, after):
        try:
            results = api.send(batch)
        except BatchRefused as exc:
            if exc.status != 413 or batch_size == 1:
                raise
            batch_size = max(1, batch_size // 2)  # a server that takes smaller batches
            continue
        outcome = queue.settle(results)
        answered = {str(r.get("scan_id")) for r in results if r.get("status") in ("recorded", "refused")}
        unanswered += sum(1 for scan in batch if scan.scan_id not in answered)
        sent += len(batch)
        recorded, refused = recorded + outcome.recorded, refused + outcome.refused
        duplicates += outcome.duplicates
        after = batch[-1].seq
        if settled is not None:
            settled(queue.by_id([scan.scan_id for scan in batch if scan.scan_id in answered]))
        if progress is not None:
            progress(sent, max(total, sent))
    return SyncReport(sent, recorded, refused, duplicates, unanswered)


def _results(response: httpx.Response) -> list[dict[str, Any]] | None:
    """The per-scan results of a 200 answer; None for any other answer, or a 200 without them."""
    if response.status_code != 200:
        return None
    try:
        results = response.json()["results"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        return None
    return results


def _status(response: httpx.Response) -> str:
    """``503 Service Unavailable: <the problem's detail>``."""
    detail = ""
    try:
        problem = response.json()
        if isinstance(problem, dict):
            detail = str(problem.get("detail") or problem.get("title") or "")
    except ValueError:
        detail = ""
    return f"{response.status_code} {response.reason_phrase}" + (f": {detail}" if detail else "")


def _retry_after(response: httpx.Response) -> float | None:
    """The seconds the server's Retry-After header asked for (its delay-seconds form), if any."""
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


def _described(exc: httpx.TransportError) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
