"""Audits of the whole log kept beside it: who started each, its progress while it runs, its report.

The process that runs an audit writes its progress and a heartbeat to the audit's row, so that
any process reading the database (another API replica) shows the same progress, and a running
audit whose heartbeat stopped (its process died) is known to be over. At most one audit runs at a
time: :func:`running_audit` and :func:`insert_audit` are called in one write transaction holding
the ledger's writer lock, which every process takes.

:func:`run_audit` runs :func:`audit_log` that way and says how it ended; closing the row (with the
ledger record that states the result) is the caller's.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import SQLAlchemyError
from web3.exceptions import Web3Exception

from chain import ChainClient, ChainError

from ._audit import audit_log
from ._background import start_thread
from ._db import write_transaction
from ._errors import LedgerError, VerificationError
from ._ledger import Ledger
from ._tables import AUDITS

log = logging.getLogger(__name__)

AuditStatus = Literal["running", "passed", "failed", "error", "interrupted"]
#: How often a running audit's process says it is alive.
HEARTBEAT_S = 5.0
#: A running audit silent for this long was left by a process that stopped.
STALL_AFTER_S = 60.0
_PROGRESS_LOCK = "suyuan-evidence:audit-progress"


@dataclass(frozen=True)
class StoredAudit:
    id: str
    status: AuditStatus
    started_by: str
    started_at: dt.datetime
    heartbeat_at: dt.datetime
    finished_at: dt.datetime | None
    records_checked: int
    records_total: int
    report: dict[str, Any] | None

    def stalled(self, now: dt.datetime) -> bool:
        """Whether a running audit's process has stopped saying it is alive."""
        return self.status == "running" and (now - self.heartbeat_at).total_seconds() > STALL_AFTER_S


@dataclass(frozen=True)
class AuditOutcome:
    """How a run ended: its result and its report (what :func:`close_audit` stores)."""

    status: AuditStatus
    records_checked: int
    report: dict[str, Any]


class AuditStopped(LedgerError):
    """The process running the audit is stopping."""


def running_audit(conn: Connection) -> StoredAudit | None:
    row = conn.execute(select(AUDITS).where(AUDITS.c.status == "running").limit(1)).mappings().first()
    return None if row is None else _audit(row)


def insert_audit(
    conn: Connection, audit_id: str, started_by: str, records_total: int, now: dt.datetime
) -> StoredAudit:
    """Requires ``conn`` in a write transaction holding the ledger's writer lock, and no running audit."""
    values = {
        "id": audit_id,
        "status": "running",
        "started_by": started_by,
        "started_at": now,
        "heartbeat_at": now,
        "finished_at": None,
        "records_checked": 0,
        "records_total": records_total,
        "report": None,
    }
    conn.execute(AUDITS.insert().values(**values))
    return _audit(values)


def close_audit(conn: Connection, audit_id: str, outcome: AuditOutcome, now: dt.datetime) -> StoredAudit:
    """Stores how the audit ended; returns the audit as stored."""
    conn.execute(
        update(AUDITS)
        .where(AUDITS.c.id == audit_id)
        .values(
            status=outcome.status,
            finished_at=now,
            heartbeat_at=now,
            records_checked=outcome.records_checked,
            report=json.dumps(outcome.report, sort_keys=True),
        )
    )
    closed = read_audit(conn, audit_id)
    assert closed is not None, audit_id
    return closed


def read_audit(conn: Connection, audit_id: str) -> StoredAudit | None:
    row = conn.execute(select(AUDITS).where(AUDITS.c.id == audit_id)).mappings().first()
    return None if row is None else _audit(row)


def latest_finished_audit(conn: Connection) -> StoredAudit | None:
    query = (
        select(AUDITS).where(AUDITS.c.finished_at.is_not(None)).order_by(AUDITS.c.finished_at.desc()).limit(1)
    )
    row = conn.execute(query).mappings().first()
    return None if row is None else _audit(row)


def audits_page(conn: Connection, limit: int, after: StoredAudit | None = None) -> list[StoredAudit]:
    """Newest first, ``limit`` of them, from after the audit ``after`` (keyset: started_at, id)."""
    query = select(AUDITS).order_by(AUDITS.c.started_at.desc(), AUDITS.c.id.desc()).limit(limit)
    if after is not None:
        query = query.where(
            (AUDITS.c.started_at < after.started_at)
            | ((AUDITS.c.started_at == after.started_at) & (AUDITS.c.id < after.id))
        )
    return [_audit(row) for row in conn.execute(query).mappings()]


def note_audit_progress(
    engine: Engine, audit_id: str, checked: int | None = None, total: int | None = None
) -> None:
    """The audit's heartbeat, and its progress when given. A failed write is logged, not raised:
    an audit is not stopped by a busy database."""
    values: dict[str, Any] = {"heartbeat_at": dt.datetime.now(dt.UTC)}
    if checked is not None:
        values["records_checked"] = checked
    if total is not None:
        values["records_total"] = total
    try:
        with write_transaction(engine, _PROGRESS_LOCK) as conn:
            conn.execute(
                update(AUDITS).where(AUDITS.c.id == audit_id, AUDITS.c.status == "running").values(**values)
            )
    except SQLAlchemyError:
        log.warning("audit %s: its progress could not be written", audit_id, exc_info=True)


def run_audit(
    ledger: Ledger, client: ChainClient | None, audit_id: str, stop: threading.Event
) -> AuditOutcome:
    """Audits the whole log (:func:`audit_log`), writing progress and a heartbeat to the audit's row
    until it ends; ``stop`` set ends it as ``interrupted`` at its next progress note."""
    checked = 0

    def progress(_label: str, done: int, total: int) -> None:
        nonlocal checked
        if stop.is_set():
            raise AuditStopped("the process running the audit is stopping")
        checked = done
        note_audit_progress(ledger.engine, audit_id, done, total)

    stop_heartbeat = start_thread(f"audit-{audit_id[:8]}-heartbeat", _heartbeat(ledger.engine, audit_id))
    try:
        return _outcome(lambda: audit_log(ledger, client, progress), lambda: checked)
    finally:
        stop_heartbeat()


def _heartbeat(engine: Engine, audit_id: str) -> Callable[[threading.Event], None]:
    def beat(stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_S):
            note_audit_progress(engine, audit_id)

    return beat


def _outcome(audit: Callable[[], Any], checked: Callable[[], int]) -> AuditOutcome:
    try:
        report = audit()
    except AuditStopped as exc:
        return AuditOutcome("interrupted", checked(), _report("interrupted", checked(), detail=str(exc)))
    except VerificationError as exc:
        failure = {
            "step": exc.step,
            "detail": exc.detail,
            "index": exc.index,
            "span": list(exc.span) if exc.span else None,
        }
        return AuditOutcome("failed", checked(), _report("failed", checked(), failure=failure))
    except (LedgerError, ChainError, OSError, Web3Exception, SQLAlchemyError) as exc:
        log.warning("audit could not finish: %s", exc, exc_info=True)
        detail = f"the audit could not finish: {type(exc).__name__}: {exc}"
        return AuditOutcome("error", checked(), _report("error", checked(), detail=detail))
    summary = {
        "root": report.root.hex(),
        "checkpoints_checked": report.checkpoints_checked,
        "anchors_checked": report.anchors_checked,
    }
    return AuditOutcome("passed", report.records, _report("passed", report.records, **summary))


def _report(result: AuditStatus, records: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "result": result,
        "records_checked": records,
        "root": None,
        "checkpoints_checked": None,
        "anchors_checked": None,
        "failure": None,
        "detail": None,
    }
    return {**base, **fields}


def _audit(row: Any) -> StoredAudit:
    report = row["report"]
    return StoredAudit(
        id=row["id"],
        status=row["status"],
        started_by=row["started_by"],
        started_at=_aware(row["started_at"]),
        heartbeat_at=_aware(row["heartbeat_at"]),
        finished_at=None if row["finished_at"] is None else _aware(row["finished_at"]),
        records_checked=int(row["records_checked"]),
        records_total=int(row["records_total"]),
        report=None if report is None else json.loads(report),
    )


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
