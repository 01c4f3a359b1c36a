"""Audits of the whole log started through the API: one at a time across every process, each run
in a background thread of the process that was asked, its progress in the database for any
replica to show.

The audit is evidence's (:func:`evidence.run_audit` over :func:`evidence.audit_log`) and so are
its rows (the ledger's ``ledger_audits``). This module starts one, writes its start and its end as
ledger records (``audit.started``, ``audit.finished``), and closes an audit whose process stopped
(no heartbeat for :data:`evidence.STALL_AFTER_S`) as interrupted, the next time anyone looks.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from typing import Any

from sqlalchemy import Connection

from evidence import (
    Actor,
    AuditOutcome,
    Record,
    StoredAudit,
    Subject,
    audits_page,
    close_audit,
    insert_audit,
    latest_finished_audit,
    read_audit,
    read_transaction,
    run_audit,
    running_audit,
    start_thread,
    utc_now,
)

from .._paging import decode_cursor, encode_cursor, unknown_cursor
from ..errors import Conflict, NotFound
from ..facts import AuditFinished, AuditStarted
from ..orgs.service import Member
from ..services import Job, Services, writing

log = logging.getLogger(__name__)

#: The key id of the service itself in the records of audits it closes.
ACTOR_KEY = "audit"


def started_record_id(audit_id: str) -> str:
    return f"audit:{audit_id}:started"


def finished_record_id(audit_id: str) -> str:
    return f"audit:{audit_id}:finished"


def start_audit(services: Services, member: Member) -> StoredAudit:
    """Starts an audit of the whole log in a background thread of this process.

    Raises :class:`Conflict` (naming it) while another audit runs, in any process.
    """
    audit_id, total = uuid.uuid4().hex, services.ledger.size()
    with writing(services) as session:
        conn = session.connection()
        now = dt.datetime.now(dt.UTC)
        running = running_audit(conn)
        if running is not None and not running.stalled(now):
            raise Conflict(
                f"audit {running.id}, started by {running.started_by}, is still running; "
                "wait for it to finish",
                audit_id=running.id,
            )
        if running is not None:
            _close_stalled(services, conn, running, now)
        audit = insert_audit(conn, audit_id, member.org.handle, total, now)
        record = Record(
            kind=AuditStarted.KIND,
            record_id=started_record_id(audit_id),
            time=utc_now(),
            actor=Actor(org=member.org.uscc, key_id=member.key_id),
            subjects=[Subject(type="audit", id=audit_id), Subject(type="org", id=member.org.uscc)],
            payload=AuditStarted(audit_id=audit_id, records_total=total).payload(),
        )
        services.ledger.append(record, conn=conn)
    _launch(services, audit_id)
    return audit


def _launch(services: Services, audit_id: str) -> None:
    """Runs the audit in a thread of this process; the app stops it when it stops."""
    job = Job(stop=lambda: None)

    def run(stop: threading.Event) -> None:
        try:
            outcome = run_audit(services.ledger, services.chain, audit_id, stop)
            _finish(services, audit_id, outcome)
        except Exception:  # left running, its heartbeat stopped: it will be closed as interrupted
            log.exception("audit %s could not be closed", audit_id)
        finally:
            services.jobs.pop(audit_id, None)
            job.done.set()

    services.jobs[audit_id] = job
    job.stop = start_thread(f"audit-{audit_id[:8]}", run)


def _finish(services: Services, audit_id: str, outcome: AuditOutcome) -> None:
    with writing(services) as session:
        conn = session.connection()
        audit = read_audit(conn, audit_id)
        if audit is None or audit.status != "running":
            return  # closed meanwhile, as stalled, by another process
        _close(services, conn, audit, outcome, dt.datetime.now(dt.UTC))


def _close_stalled(services: Services, conn: Connection, audit: StoredAudit, now: dt.datetime) -> StoredAudit:
    detail = (
        f"the process running it stopped: no heartbeat since {audit.heartbeat_at.isoformat()}; "
        f"{audit.records_checked} of {audit.records_total} records were checked"
    )
    report = {
        "result": "interrupted",
        "records_checked": audit.records_checked,
        "root": None,
        "checkpoints_checked": None,
        "anchors_checked": None,
        "failure": None,
        "detail": detail,
    }
    return _close(services, conn, audit, AuditOutcome("interrupted", audit.records_checked, report), now)


def _close(
    services: Services, conn: Connection, audit: StoredAudit, outcome: AuditOutcome, now: dt.datetime
) -> StoredAudit:
    """Stores how the audit ended, with its ``audit.finished`` ledger record, in ``conn``'s transaction."""
    closed = close_audit(conn, audit.id, outcome, now)
    report = outcome.report
    fact = AuditFinished(
        audit_id=audit.id,
        result=outcome.status,
        started_by=audit.started_by,
        started_at=audit.started_at.isoformat(),
        records_checked=outcome.records_checked,
        root=report.get("root"),
        checkpoints_checked=report.get("checkpoints_checked"),
        anchors_checked=report.get("anchors_checked"),
        failure=report.get("failure"),
        detail=report.get("detail"),
    )
    record = Record(
        kind=AuditFinished.KIND,
        record_id=finished_record_id(audit.id),
        time=utc_now(),
        actor=Actor(org=services.ledger.origin, key_id=ACTOR_KEY),
        subjects=[Subject(type="audit", id=audit.id)],
        payload=fact.payload(),
    )
    services.ledger.append(record, conn=conn)
    return closed


def find_audit(services: Services, audit_id: str) -> StoredAudit:
    """The audit; a running one whose process stopped is closed as interrupted first."""
    with read_transaction(services.engine) as conn:
        audit = read_audit(conn, audit_id)
    if audit is None:
        raise NotFound(f"no audit {audit_id!r}")
    if audit.stalled(dt.datetime.now(dt.UTC)):
        with writing(services) as session:
            conn = session.connection()
            current = read_audit(conn, audit_id)
            if current is not None and current.stalled(dt.datetime.now(dt.UTC)):
                return _close_stalled(services, conn, current, dt.datetime.now(dt.UTC))
            audit = current or audit
    return audit


def list_audits(services: Services, limit: int, cursor: str | None) -> tuple[list[StoredAudit], str | None]:
    """Audits newest first, a page of ``limit``, and the next page's cursor."""
    with read_transaction(services.engine) as conn:
        after = None
        if cursor is not None:
            after = read_audit(conn, decode_cursor(cursor))
            if after is None:
                raise unknown_cursor()
        rows = audits_page(conn, limit + 1, after)
    page = rows[:limit]
    return page, encode_cursor(page[-1].id) if len(rows) > limit else None


def last_audit(services: Services) -> StoredAudit | None:
    """The audit that finished last (whatever its result), if any."""
    with read_transaction(services.engine) as conn:
        return latest_finished_audit(conn)


def audit_report(services: Services, audit: StoredAudit) -> dict[str, Any]:
    """A finished audit's report: what was checked, the result, and where it stands in the ledger.

    Raises :class:`Conflict` while the audit runs.
    """
    if audit.report is None:
        raise Conflict(f"audit {audit.id} is still running: its report is written when it finishes")
    ledger = services.ledger
    return {
        "audit_id": audit.id,
        "log": {
            "origin": ledger.origin,
            "verifier_key": ledger.signer.verifier_key(),
            "chain_id": services.chain.chain_id,
            "anchor_contract": services.chain.contracts["EvidenceAnchor"].address,
        },
        "started_by": audit.started_by,
        "started_at": audit.started_at.isoformat(),
        "finished_at": audit.finished_at.isoformat() if audit.finished_at else None,
        "records_total": audit.records_total,
        **audit.report,
        "ledger_records": {
            "started": started_record_id(audit.id),
            "finished": finished_record_id(audit.id),
        },
    }
