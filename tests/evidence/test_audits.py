"""Audits kept beside the log: a run writes its progress to its row and says how it ended; the
rows page newest first; a running audit whose heartbeat stopped counts as stalled."""

from __future__ import annotations

import datetime as dt
import threading

from evidence import (
    Ledger,
    StoredAudit,
    audits_page,
    close_audit,
    insert_audit,
    latest_finished_audit,
    read_audit,
    run_audit,
    running_audit,
    write_transaction,
)
from tests.evidence.conftest import SIZE
from tests.evidence.test_audit import execute, forged_body, set_body

NOW = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)


def started(ledger: Ledger, audit_id: str, at: dt.datetime = NOW) -> StoredAudit:
    with write_transaction(ledger.engine, ledger.lock_name) as conn:
        return insert_audit(conn, audit_id, "samr", ledger.size(), at)


def stored(ledger: Ledger, audit_id: str) -> StoredAudit:
    with ledger.engine.connect() as conn:
        found = read_audit(conn, audit_id)
    assert found is not None
    return found


def test_run_audit_of_an_untampered_log_passes_and_writes_its_progress(ledger: Ledger) -> None:
    started(ledger, "a1")

    outcome = run_audit(ledger, None, "a1", threading.Event())

    assert (outcome.status, outcome.records_checked) == ("passed", SIZE)
    assert outcome.report["root"] == ledger.root(SIZE).hex()
    assert (outcome.report["checkpoints_checked"], outcome.report["failure"]) == (2, None)
    row = stored(ledger, "a1")
    assert (row.status, row.records_checked, row.records_total) == ("running", SIZE, SIZE)
    assert row.heartbeat_at > NOW


def test_run_audit_of_an_altered_record_fails_naming_step_and_leaf(ledger: Ledger) -> None:
    execute(ledger, set_body(9, forged_body(9)))
    started(ledger, "a1")

    outcome = run_audit(ledger, None, "a1", threading.Event())

    assert outcome.status == "failed"
    assert outcome.report["failure"]["step"] == "records"
    assert outcome.report["failure"]["index"] == 9


def test_run_audit_ends_interrupted_when_its_process_stops(ledger: Ledger) -> None:
    started(ledger, "a1")
    stop = threading.Event()
    stop.set()

    outcome = run_audit(ledger, None, "a1", stop)

    assert outcome.status == "interrupted"
    assert outcome.report["result"] == "interrupted"


def test_closed_audit_keeps_its_report_and_is_the_latest_finished(ledger: Ledger) -> None:
    started(ledger, "a1", NOW - dt.timedelta(hours=1))
    started(ledger, "a2")
    outcome = run_audit(ledger, None, "a1", threading.Event())

    with write_transaction(ledger.engine, ledger.lock_name) as conn:
        closed = close_audit(conn, "a1", outcome, NOW + dt.timedelta(minutes=1))
        running = running_audit(conn)
        latest = latest_finished_audit(conn)

    assert (closed.status, closed.report) == ("passed", outcome.report)
    assert running is not None
    assert running.id == "a2"
    assert latest is not None
    assert latest.id == "a1"


def test_audits_page_newest_first_after_a_cursor(ledger: Ledger) -> None:
    for n in range(5):
        started(ledger, f"a{n}", NOW + dt.timedelta(minutes=n))

    with ledger.engine.connect() as conn:
        first = audits_page(conn, 2)
        second = audits_page(conn, 2, first[-1])
        last = audits_page(conn, 2, second[-1])

    assert [a.id for a in first + second + last] == ["a4", "a3", "a2", "a1", "a0"]


def test_running_audit_without_a_recent_heartbeat_is_stalled(ledger: Ledger) -> None:
    audit = started(ledger, "a1")

    assert not audit.stalled(NOW + dt.timedelta(seconds=30))
    assert audit.stalled(NOW + dt.timedelta(minutes=2))
