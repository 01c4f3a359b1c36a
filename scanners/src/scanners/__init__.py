"""Scanners for Suyuan: the handheld / PDA client (``suyuan scan …``) with its offline queue.

Every scan is written to a local SQLite queue first, with a UUID the client makes when the scan
happens, then synced with the trace API's ``POST /v1/scans:batch`` over HTTP: a scan leaves the
queue's ``pending`` state only once the server has answered it (recorded or refused), and a resent
scan records nothing twice. The scanners talk to the trace API over HTTP only.
"""

from ._codes import GS1_RESOLVER, ScannedCode, read_scanned
from ._elements import parse_element_string
from ._errors import (
    ApiUnreachable,
    BatchRefused,
    KeyRefused,
    NotACode,
    NotConfigured,
    ScannerError,
    UnreadableImage,
)
from ._images import picture_files, read_codes
from ._login import Login, load_login, save_login
from ._queue import QueuedScan, ScanQueue, Settled, new_scan, scan_time
from ._settings import SYNC_BATCH, ScannerSettings
from ._sync import BATCH_PATH, Retrying, ScanApi, SyncReport, sync_queue

__all__ = [
    "BATCH_PATH",
    "GS1_RESOLVER",
    "SYNC_BATCH",
    "ApiUnreachable",
    "BatchRefused",
    "KeyRefused",
    "Login",
    "NotACode",
    "NotConfigured",
    "QueuedScan",
    "Retrying",
    "ScanApi",
    "ScanQueue",
    "ScannedCode",
    "ScannerError",
    "ScannerSettings",
    "Settled",
    "SyncReport",
    "UnreadableImage",
    "load_login",
    "new_scan",
    "parse_element_string",
    "picture_files",
    "read_codes",
    "read_scanned",
    "save_login",
    "scan_time",
    "sync_queue",
]
