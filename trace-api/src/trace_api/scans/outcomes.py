"""Exactly-once scans: a scan a client sends with its ``scan_id`` takes effect once, and is answered
the same every time it is sent again.

Each such scan runs in a savepoint of the request's write transaction, and its outcome is kept
under its scan_id (:class:`ScanOutcome`) in that same transaction: *recorded* (the ledger record
that answers it) or *refused* (the problem). A refusal rolls the scan's savepoint back, except for
a counterfeit signal, which is evidence and stays (scan rules raise a signal before any other
effect of the scan). A resent scan — the same batch after a lost response, one scan in a later
batch, the same scan_id through ``POST /v1/scans`` — is answered its first outcome with
``duplicate: true``; the same scan_id with other content is refused (``scan_id_reused``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from ..errors import Conflict, DomainError
from ..orgs.service import Member
from ..problems import problem_members
from ..services import Services
from .models import ScanOutcome, ScanStatus
from .service import CounterfeitSuspected, ScanIn, apply_scan

#: scan_ids looked up per query (bounded IN lists).
LOOKUP_CHUNK = 500


@dataclass
class SyncedScan:
    """What one scan came to: recorded (its ledger record) or refused (the problem), and whether
    this is the answer given to an earlier sending of the same scan."""

    scan_id: str | None
    status: ScanStatus
    duplicate: bool
    received_at: dt.datetime
    #: Recorded: the ledger record that answers the scan (``record_id``, ``index``, maybe ``chain``).
    record: dict[str, Any] | None = None
    #: Refused: the problem's members, field names relative to the scan.
    problem: dict[str, Any] | None = None


def content_sha256(member: Member, scan: ScanIn) -> str:
    """The digest of what the scan says and who sent it: the same scan_id must always carry it.

    A scan sent without a time (``POST /v1/scans`` stamps it on receipt) is compared without one.
    """
    leave_out = {"scan_id"} if "time" in scan.model_fields_set else {"scan_id", "time"}
    content = scan.model_dump(mode="json", exclude=leave_out)
    content["org"] = member.org.id
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def known_outcomes(session: Session, scan_ids: Iterable[str]) -> dict[str, ScanOutcome]:
    """The outcomes kept for any of the scan_ids, by scan_id."""
    wanted = list(dict.fromkeys(scan_ids))
    found: dict[str, ScanOutcome] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        found |= {
            o.scan_id: o for o in session.exec(select(ScanOutcome).where(col(ScanOutcome.scan_id).in_(chunk)))
        }
    return found


def sync_scan(
    services: Services,
    session: Session,
    member: Member,
    scan: ScanIn,
    received_at: dt.datetime,
    known: dict[str, ScanOutcome],
) -> SyncedScan:
    """Applies a scan that has a scan_id once: ``known`` holds the outcomes kept for scan_ids seen
    (see :func:`known_outcomes`) and gains this scan's."""
    assert scan.scan_id is not None
    digest = content_sha256(member, scan)
    earlier = known.get(scan.scan_id)
    if earlier is not None:
        return _answered_before(earlier, digest, received_at)
    synced = _apply_once(services, session, member, scan, received_at)
    outcome = ScanOutcome(
        scan_id=scan.scan_id,
        org_id=member.org.id,
        content_sha256=digest,
        status=synced.status,
        record_id=synced.record["record_id"] if synced.record else None,
        record_index=synced.record["index"] if synced.record else None,
        problem=json.dumps(synced.problem, ensure_ascii=False) if synced.problem else None,
        received_at=received_at,
    )
    session.add(outcome)
    known[scan.scan_id] = outcome
    return synced


def _apply_once(
    services: Services, session: Session, member: Member, scan: ScanIn, received_at: dt.datetime
) -> SyncedScan:
    savepoint = session.begin_nested()
    try:
        summary, resent = apply_scan(services, session, member, scan)
    except CounterfeitSuspected as exc:
        savepoint.commit()  # the signal is evidence; the scan itself took no effect before it
        return _refused(scan.scan_id, exc, received_at)
    except DomainError as exc:
        savepoint.rollback()
        return _refused(scan.scan_id, exc, received_at)
    savepoint.commit()
    return SyncedScan(scan.scan_id, "recorded", resent, received_at, record=summary)


def _refused(scan_id: str | None, error: DomainError, received_at: dt.datetime) -> SyncedScan:
    return SyncedScan(scan_id, "refused", False, received_at, problem=problem_members(error))


def _answered_before(earlier: ScanOutcome, digest: str, received_at: dt.datetime) -> SyncedScan:
    if earlier.content_sha256 != digest:
        reused = Conflict(
            f"scan {earlier.scan_id} was sent before with other content: give a new scan a new scan_id",
            reason="scan_id_reused",
        )
        return _refused(earlier.scan_id, reused, received_at)
    if earlier.status == "recorded":
        record = {"record_id": earlier.record_id, "index": earlier.record_index}
        return SyncedScan(earlier.scan_id, "recorded", True, earlier.received_at, record=record)
    problem = json.loads(earlier.problem or "{}")
    return SyncedScan(earlier.scan_id, "refused", True, earlier.received_at, problem=problem)
