"""Exactly-once scans: a scan a client sends with its ``scan_id`` takes effect once, and is answered
the same every time it is sent again.

Each such scan runs in a savepoint of the request's write transaction, and its outcome is kept
under its scan_id (``scan_outcomes``) in that same transaction: *recorded* (the ledger record
that answers it) or *refused* (the domain error, kept as data: the web layer answers it as a
problem). A refusal rolls the scan's savepoint back, except for
a counterfeit signal, which is evidence and stays (scan rules raise a signal before any other
effect of the scan). A resent scan — the same batch after a lost response, one scan in a later
batch, the same scan_id through ``POST /v1/scans`` — is answered its first outcome with
``duplicate: true``; the same scan_id with other content is refused (``scan_id_reused``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlmodel import Session

from ..errors import Conflict, DomainError, error_data, error_from_data
from ..orgs.service import Member
from ..services import Services
from .lookups import LOOKUP_CHUNK, ScanLookups
from .models import ScanOutcome, ScanStatus
from .service import CounterfeitSuspected, ScanIn, apply_scan


@dataclass
class SyncedScan:
    """What one scan came to: recorded (its ledger record) or refused (the error), and whether
    this is the answer given to an earlier sending of the same scan."""

    scan_id: str | None
    status: ScanStatus
    duplicate: bool
    received_at: dt.datetime
    #: Recorded: the ledger record that answers the scan (``record_id``, ``index``, maybe ``chain``).
    record: dict[str, Any] | None = None
    #: Refused: why, field names relative to the scan.
    refusal: DomainError | None = None


def content_sha256(member: Member, scan: ScanIn) -> str:
    """The digest of what the scan says and who sent it: the same scan_id must always carry it.

    A scan sent without a time (``POST /v1/scans`` stamps it on receipt) is compared without one.
    """
    leave_out = {"scan_id"} if "time" in scan.model_fields_set else {"scan_id", "time"}
    content = scan.model_dump(mode="json", exclude=leave_out)
    content["org"] = member.org.id
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


#: The scan_outcomes table, written and read as plain rows (one scan's outcome is one row).
SCAN_OUTCOMES = ScanOutcome.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class KeptOutcome:
    """A scan's first outcome, as kept in ``scan_outcomes`` (see :class:`ScanOutcome`)."""

    scan_id: str
    org_id: str
    content_sha256: str
    status: ScanStatus
    record_id: str | None
    record_index: int | None
    problem: str | None
    received_at: dt.datetime


#: The columns of ``scan_outcomes``, as :class:`KeptOutcome` names them.
OUTCOME_COLUMNS = tuple(f.name for f in fields(KeptOutcome))


class ScanSync:
    """Scans with a scan_id applied once each within one write transaction: the outcomes kept for
    their scan_ids are read first, the rows the scans name fetched together (:class:`ScanLookups`),
    and each new outcome is kept with :meth:`keep`, in the same transaction, before it commits."""

    def __init__(
        self,
        services: Services,
        session: Session,
        member: Member,
        scans: Sequence[ScanIn],
        received_at: dt.datetime,
    ) -> None:
        self.services, self.session, self.member, self.received_at = services, session, member, received_at
        self.known = _kept_outcomes(session, [scan.scan_id for scan in scans if scan.scan_id is not None])
        fresh = [scan for scan in scans if scan.scan_id not in self.known]
        self.lookups = ScanLookups.fetch(services, session, fresh)
        self.new: list[KeptOutcome] = []

    def sync(self, scan: ScanIn) -> SyncedScan:
        """The scan applied once: its first outcome again if its scan_id was answered before."""
        assert scan.scan_id is not None
        digest = content_sha256(self.member, scan)
        earlier = self.known.get(scan.scan_id)
        if earlier is not None:
            return _answered_before(earlier, digest, self.received_at)
        synced = _apply_once(self.services, self.session, self.member, scan, self.lookups, self.received_at)
        outcome = KeptOutcome(
            scan_id=scan.scan_id,
            org_id=self.member.org.id,
            content_sha256=digest,
            status=synced.status,
            record_id=synced.record["record_id"] if synced.record else None,
            record_index=synced.record["index"] if synced.record else None,
            problem=json.dumps(error_data(synced.refusal), ensure_ascii=False) if synced.refusal else None,
            received_at=self.received_at,
        )
        self.known[scan.scan_id] = outcome
        self.new.append(outcome)
        return synced

    def keep(self) -> None:
        """Writes the outcomes of the scans applied, in one statement."""
        if self.new:
            rows = [{name: getattr(o, name) for name in OUTCOME_COLUMNS} for o in self.new]
            self.session.connection().execute(SCAN_OUTCOMES.insert(), rows)
            self.new = []


def _kept_outcomes(session: Session, scan_ids: list[str]) -> dict[str, KeptOutcome]:
    wanted = list(dict.fromkeys(scan_ids))
    found: dict[str, KeptOutcome] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        query = SCAN_OUTCOMES.select().where(
            SCAN_OUTCOMES.c.scan_id.in_(wanted[start : start + LOOKUP_CHUNK])
        )
        rows = session.connection().execute(query).mappings()
        found |= {row["scan_id"]: KeptOutcome(**row) for row in rows}
    return found


def _apply_once(
    services: Services,
    session: Session,
    member: Member,
    scan: ScanIn,
    lookups: ScanLookups,
    received_at: dt.datetime,
) -> SyncedScan:
    savepoint = session.begin_nested()
    try:
        summary, resent = apply_scan(services, session, member, scan, lookups)
    except CounterfeitSuspected as exc:
        savepoint.commit()  # the signal is evidence; the scan itself took no effect before it
        return _refused(scan.scan_id, exc, received_at)
    except DomainError as exc:
        savepoint.rollback()
        # Rows a scan wrote by statement (an item's state) are not marked changed in the session:
        # read every row again rather than keep what the savepoint took back.
        session.expire_all()
        return _refused(scan.scan_id, exc, received_at)
    savepoint.commit()
    return SyncedScan(scan.scan_id, "recorded", resent, received_at, record=summary)


def _refused(scan_id: str | None, error: DomainError, received_at: dt.datetime) -> SyncedScan:
    return SyncedScan(scan_id, "refused", False, received_at, refusal=error)


def _answered_before(earlier: KeptOutcome, digest: str, received_at: dt.datetime) -> SyncedScan:
    if earlier.content_sha256 != digest:
        reused = Conflict(
            f"scan {earlier.scan_id} was sent before with other content: give a new scan a new scan_id",
            reason="scan_id_reused",
        )
        return _refused(earlier.scan_id, reused, received_at)
    if earlier.status == "recorded":
        record = {"record_id": earlier.record_id, "index": earlier.record_index}
        return SyncedScan(earlier.scan_id, "recorded", True, earlier.received_at, record=record)
    assert earlier.problem is not None  # a refused scan keeps its error
    refusal = error_from_data(json.loads(earlier.problem))
    return SyncedScan(earlier.scan_id, "refused", True, earlier.received_at, refusal=refusal)
