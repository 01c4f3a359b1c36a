"""The scan queue: every scan is written here first, then synced with the trace API.

One SQLite file per handheld (WAL, ``synchronous=FULL``: a scan the client has reported is on
disk before it is shown). Each scan carries the UUID the client gave it when it happened (its
idempotency key) and its scan time; its body is stored as the exact JSON the client sends, so a
resent scan is the same scan byte for byte. A scan is ``pending`` until the server acknowledges
it in a 200 answer, then ``synced`` (with its ledger record) or ``refused`` (with the problem);
both are final. The scanner's login (the API's address, its default location) lives here too,
so that a restarted scanner carries on where it stopped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ._errors import ScannerError

State = Literal["pending", "synced", "refused"]
STATES: tuple[State, ...] = ("pending", "synced", "refused")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    scan_id TEXT NOT NULL UNIQUE,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    scanned_at TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'synced', 'refused')),
    record_id TEXT,
    ledger_index INTEGER,
    received_at TEXT,
    duplicate INTEGER,
    reason TEXT,
    problem TEXT,
    settled_at TEXT
);
CREATE INDEX IF NOT EXISTS scans_by_state ON scans (state, seq);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class QueuedScan:
    """One scan in the queue, and what the server answered once it did."""

    seq: int
    scan_id: str
    action: str
    subject: str
    scanned_at: str
    body: str
    state: State
    record_id: str | None = None
    index: int | None = None
    received_at: str | None = None
    duplicate: bool = False
    reason: str | None = None
    problem: dict[str, Any] | None = None

    @property
    def detail(self) -> str:
        """Why the server refused the scan, in its words."""
        problem = self.problem or {}
        errors = [f"{_field(e.get('field'))}: {e.get('reason')}" for e in problem.get("errors") or []]
        return str(problem.get("detail") or "; ".join(errors) or problem.get("title") or "")


@dataclass(frozen=True)
class Settled:
    """What one answer from the server settled: scans newly recorded or refused (resends included)."""

    recorded: int = 0
    refused: int = 0
    duplicates: int = 0


def scan_time(at: dt.datetime | None = None) -> str:
    """RFC 3339 with the local offset and milliseconds: when a scan happened."""
    moment = (at or dt.datetime.now()).astimezone()
    return moment.isoformat(timespec="milliseconds")


def new_scan(action: str, location: str, *, at: dt.datetime | None = None, **fields: Any) -> dict[str, Any]:
    """A scan's body as ``POST /v1/scans:batch`` takes it: a fresh scan_id, the time it happened
    (now unless given), and the fields given."""
    body = {"scan_id": str(uuid.uuid4()), "action": action, "time": scan_time(at), "location": location}
    return body | {name: value for name, value in fields.items() if value not in (None, [], "")}


class ScanQueue:
    """A handheld's scan queue in one SQLite file. Open one per thread (a connection is not shared)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            self._db = sqlite3.connect(path, isolation_level=None, timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise ScannerError(f"cannot open the scan queue {path}: {exc}") from exc
        os.chmod(path, 0o600)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ScanQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so that two writers queue rather than fail."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def record(self, scans: Iterable[dict[str, Any]]) -> list[QueuedScan]:
        """Writes scans (bodies made by :func:`new_scan`) to the queue as pending, in one transaction."""
        rows = []
        for body in scans:
            subject = body.get("code") or body.get("batch_id") or ""
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
            rows.append((body["scan_id"], body["action"], subject, body["time"], text))
        with self._writing() as db:
            db.executemany(
                "INSERT INTO scans (scan_id, action, subject, scanned_at, body) VALUES (?, ?, ?, ?, ?)", rows
            )
        return self.by_id([row[0] for row in rows])

    def by_id(self, scan_ids: Sequence[str]) -> list[QueuedScan]:
        """The scans with these ids, in queue order."""
        found: list[QueuedScan] = []
        for start in range(0, len(scan_ids), 500):
            chunk = list(scan_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            found += self._select(f"scan_id IN ({marks})", chunk)
        return sorted(found, key=lambda scan: scan.seq)

    def pending(self, limit: int, after: int = 0) -> list[QueuedScan]:
        """Up to ``limit`` pending scans after queue position ``after``, oldest first."""
        return self._select("state = 'pending' AND seq > ? ORDER BY seq LIMIT ?", (after, limit))

    def refused(self, limit: int | None = None) -> list[QueuedScan]:
        """Refused scans, the latest scanned first."""
        return self._select("state = 'refused' ORDER BY seq DESC LIMIT ?", (-1 if limit is None else limit,))

    def all(self) -> list[QueuedScan]:
        return self._select("1 ORDER BY seq", ())

    def counts(self) -> dict[str, int]:
        rows = dict(self._db.execute("SELECT state, count(*) FROM scans GROUP BY state").fetchall())
        return {state: int(rows.get(state, 0)) for state in STATES}

    def settle(self, results: Sequence[dict[str, Any]]) -> Settled:
        """Records the server's per-scan answers; a scan settled before keeps its first answer."""
        recorded = refused = duplicates = 0
        now = scan_time()
        with self._writing() as db:
            for result in results:
                status = result.get("status")
                if status not in ("recorded", "refused"):
                    continue
                problem = result.get("problem") if status == "refused" else None
                changed = db.execute(
                    "UPDATE scans SET state = ?, record_id = ?, ledger_index = ?, received_at = ?,"
                    " duplicate = ?, reason = ?, problem = ?, settled_at = ?"
                    " WHERE scan_id = ? AND state = 'pending'",
                    (
                        "synced" if status == "recorded" else "refused",
                        result.get("record_id"),
                        result.get("index"),
                        result.get("received_at"),
                        int(bool(result.get("duplicate"))),
                        _reason(problem) if problem is not None else None,
                        json.dumps(problem, ensure_ascii=False) if problem is not None else None,
                        now,
                        str(result.get("scan_id")),
                    ),
                ).rowcount
                recorded += changed if status == "recorded" else 0
                refused += changed if status == "refused" else 0
                duplicates += changed if result.get("duplicate") else 0
        return Settled(recorded, refused, duplicates)

    def setting(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, name: str, value: str) -> None:
        with self._writing() as db:
            db.execute(
                "INSERT INTO settings (name, value) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

    def _select(self, where: str, args: Sequence[Any]) -> list[QueuedScan]:
        columns = (
            "seq, scan_id, action, subject, scanned_at, body, state, record_id, ledger_index,"
            " received_at, duplicate, reason, problem"
        )
        rows = self._db.execute(f"SELECT {columns} FROM scans WHERE {where}", tuple(args)).fetchall()
        return [_queued(row) for row in rows]


def _queued(row: Sequence[Any]) -> QueuedScan:
    (
        seq,
        scan_id,
        action,
        subject,
        scanned_at,
        body,
        state,
        record_id,
        index,
        received,
        dup,
        reason,
        problem,
    ) = row
    return QueuedScan(
        seq=seq,
        scan_id=scan_id,
        action=action,
        subject=subject,
        scanned_at=scanned_at,
        body=body,
        state=state,
        record_id=record_id,
        index=index,
        received_at=received,
        duplicate=bool(dup),
        reason=reason,
        problem=json.loads(problem) if problem else None,
    )


def _reason(problem: dict[str, Any]) -> str:
    """A refusal's reason in a word: the problem's ``reason`` (``sold_twice``), else the first field
    it names (``code``), else the last part of its type (``conflict``, ``not-found``)."""
    errors = problem.get("errors") or []
    first_field = _field(errors[0].get("field")) if errors and isinstance(errors[0], dict) else None
    kind = str(problem.get("type") or "").rstrip("/").rsplit("/", 1)[-1]
    return str(problem.get("reason") or first_field or kind or problem.get("title") or problem.get("status"))


def _field(name: object) -> str:
    """A field as the scan has it: ``scans[3].code`` (its place in the batch it went in) is ``code``."""
    return re.sub(r"^scans\[\d+\]\.?", "", str(name or "")) or "scan"
