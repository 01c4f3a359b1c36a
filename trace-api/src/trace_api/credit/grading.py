"""The credit grader: a background job that keeps every organisation's grade up to date with the
evidence in the ledger, incrementally.

Each pass (:meth:`CreditGrader.run_once`):

1. **Reads the ledger's new records** after its cursor, only those of the kinds the scorecard's
   factors read, a batch per write transaction (the writer lock held, so no record can commit
   behind the cursor). Each factor that reads a record turns it into findings; each finding is
   kept (``credit_findings``) and marks its organisation for regrading (``credit_marks``).
2. **Marks the organisations whose evidence left its window** since the last pass.
3. **Regrades the marked organisations** from their own findings, and records a
   ``credit.graded`` ledger record only for a grade that changed (or was first given).

Nothing rescans the ledger, but a new scorecard version: its factors may read other kinds, so
the findings are taken again from the start and everyone with findings or a grade is regraded.
``suyuan up`` runs the loop led by one replica (``credit_grades``); its clock is injected, and a
test runs a pass with :meth:`run_once` at the time it chooses.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, column, delete, func, or_, table
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from evidence import (
    Actor,
    BackgroundLoop,
    Ledger,
    Record,
    Subject,
    record_from_bytes,
    rfc3339,
    utc_datetime,
    write_transaction,
)

from ..orgs.models import Organisation, OrgType
from .factors import Factor, every_factor
from .facts import CreditGraded
from .models import CreditCursor, CreditFinding, CreditGrade, CreditMark, CreditRepair
from .scorecard import Scorecard, load_scorecard
from .scoring import Found, Scored, score_findings

BATCH = 500
CURSOR = "credit"
GRADER_KEY = "rule:credit-scorecard"
_RECORDS = table("ledger_records", column("idx"), column("kind"), column("body"))
Clock = Callable[[], dt.datetime]


def utc_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Pass:
    """What one pass did."""

    records_read: int = 0
    findings: int = 0
    regraded: int = 0
    #: Handles of the organisations whose grade changed (a ``credit.graded`` record each).
    changed: list[str] = field(default_factory=list)


class CreditGrader:
    def __init__(self, ledger: Ledger, scorecard: Scorecard | None = None, clock: Clock = utc_clock) -> None:
        self.ledger = ledger
        self.scorecard = scorecard or load_scorecard()
        self.clock = clock
        #: Set after every completed pass (tests wait on it rather than on time).
        self.passed = threading.Event()
        self.factors = [every_factor()[name] for name in self.scorecard.factors]

    def run_once(self, now: dt.datetime | None = None) -> Pass:
        """One pass at ``now`` (the clock's time by default)."""
        now = now or self.clock()
        done = Pass()
        self._start(now)
        while self._read_batch(now, done):
            pass
        self._mark_expired(now)
        while self._regrade_batch(now, done):
            pass
        self.passed.set()
        return done

    def loop(self, tick_s: float = 5.0) -> BackgroundLoop:
        return BackgroundLoop(
            "credit_grades", self.run_once, tick_s=tick_s, max_backoff_s=60.0, stall_after_s=tick_s * 2 + 120
        )

    # -- the cursor ------------------------------------------------------------------------

    def _start(self, now: dt.datetime) -> None:
        """A first pass or a new scorecard version: findings from the start, everyone regraded."""
        with writing(self.ledger) as session:
            cursor = session.get(CreditCursor, CURSOR)
            if cursor is not None and cursor.scorecard_version == self.scorecard.version:
                return
            if cursor is not None:
                _mark(session, _graded_or_found(session), now)
                session.exec(delete(CreditFinding))
            session.merge(CreditCursor(id=CURSOR, ledger_index=-1, scorecard_version=self.scorecard.version))

    def _kinds(self) -> ColumnElement[bool]:
        exact = [k for f in self.factors for k in f.reads if not k.endswith(".*")]
        prefixes = [k[:-1] for f in self.factors for k in f.reads if k.endswith(".*")]
        kind = _RECORDS.c.kind
        return or_(kind.in_(exact), *(kind.like(f"{p}%") for p in prefixes))

    def _read_batch(self, now: dt.datetime, done: Pass) -> bool:
        """Reads one batch of new records; True while there may be more."""
        with writing(self.ledger) as session:
            cursor = session.get(CreditCursor, CURSOR)
            assert cursor is not None
            query = (
                sql_select(_RECORDS.c.idx, _RECORDS.c.body)
                .where(_RECORDS.c.idx > cursor.ledger_index, self._kinds())
                .order_by(_RECORDS.c.idx)
                .limit(BATCH)
            )
            rows = session.connection().execute(query).all()
            for idx, body in rows:
                done.findings += self._take(session, idx, record_from_bytes(bytes(body)), now)
            done.records_read += len(rows)
            more = len(rows) == BATCH
            last = session.connection().execute(sql_select(func.max(_RECORDS.c.idx))).scalar()
            cursor.ledger_index = rows[-1][0] if more else (-1 if last is None else int(last))
            session.add(cursor)
        return more

    def _take(self, session: Session, idx: int, record: Record, now: dt.datetime) -> int:
        taken = 0
        for factor in self.factors:
            if not factor.reads_kind(record.kind):
                continue
            for finding in factor.attribute(session, record):
                org_id = finding.org_id or _earlier_org(session, factor, finding.matter)
                if org_id is None:
                    continue
                session.add(
                    CreditFinding(
                        org_id=org_id, factor=factor.name, matter=finding.matter[:256],
                        outcome=finding.outcome, record_id=record.record_id, ledger_index=idx,
                        time=utc_datetime(record.time),
                    )
                )  # fmt: skip
                _mark(session, [org_id], now)
                session.flush()
                taken += 1
        return taken

    # -- windows ---------------------------------------------------------------------------

    def _mark_expired(self, now: dt.datetime) -> None:
        """Marks the organisations with a matter whose window closed since the last pass."""
        with writing(self.ledger) as session:
            cursor = session.get(CreditCursor, CURSOR)
            assert cursor is not None
            if cursor.swept_at is not None:
                for name, terms in self.scorecard.factors.items():
                    window = dt.timedelta(days=terms.window_days)
                    query = select(CreditFinding.org_id).where(
                        CreditFinding.factor == name,
                        col(CreditFinding.time) > cursor.swept_at - window,
                        col(CreditFinding.time) <= now - window,
                    )
                    _mark(session, set(session.exec(query.distinct()).all()), now)
            cursor.swept_at = now
            session.add(cursor)

    # -- regrading -------------------------------------------------------------------------

    def _regrade_batch(self, now: dt.datetime, done: Pass) -> bool:
        with writing(self.ledger) as session:
            marks = session.exec(select(CreditMark).order_by(col(CreditMark.org_id)).limit(BATCH)).all()
            for mark in marks:
                org = session.get(Organisation, mark.org_id)
                if org is not None and org.org_type is not OrgType.regulator:
                    if self._regrade(session, org, now):
                        done.changed.append(org.handle)
                    done.regraded += 1
                session.delete(mark)
        return len(marks) == BATCH

    def _regrade(self, session: Session, org: Organisation, now: dt.datetime) -> bool:
        """Scores the organisation; records a grade if it changed. True if it did."""
        scored = score_findings(self.scorecard, findings_of(session, org.id), now)
        current = session.get(CreditGrade, org.id)
        if current is not None and current.grade == scored.grade:
            current.score, current.scored_at = scored.score, now
            current.factors = _factors_json(scored)
            current.scorecard_version = scored.scorecard_version
            session.add(current)
            return False
        record_grade(self.ledger, session, org, scored, now, current)
        return True


def record_grade(
    ledger: Ledger,
    session: Session,
    org: Organisation,
    scored: Scored,
    now: dt.datetime,
    current: CreditGrade | None,
    repair_id: str | None = None,
) -> CreditGrade:
    """Appends the ``credit.graded`` record and keeps it as the organisation's grade."""
    given = 0 if current is None else current.grades_given
    fact = CreditGraded(
        org=org.handle, uscc=org.uscc, grade=scored.grade,
        previous_grade=None if current is None else current.grade, score=scored.score,
        base=scored.base, scorecard_version=scored.scorecard_version, factors=scored.factors,
        repair_id=repair_id,
    )  # fmt: skip
    record = Record(
        kind=fact.KIND,
        record_id=f"credit:{org.uscc}:{given + 1}",
        time=rfc3339(now),
        actor=Actor(org=ledger.origin, key_id=GRADER_KEY),
        subjects=[Subject(type="org", id=org.uscc), Subject(type="credit", id=org.uscc)],
        payload=fact.payload(),
    )
    receipt = ledger.append(record, conn=session.connection())
    grade = current or CreditGrade(
        org_id=org.id, grade=scored.grade, score=scored.score, scorecard_version=scored.scorecard_version,
        factors="[]", record_id=record.record_id, ledger_index=receipt.index, grades_given=0,
        graded_at=now, scored_at=now,
    )  # fmt: skip
    grade.grade, grade.score, grade.scorecard_version = scored.grade, scored.score, scored.scorecard_version
    grade.factors = _factors_json(scored)
    grade.record_id, grade.ledger_index, grade.grades_given = record.record_id, receipt.index, given + 1
    grade.graded_at = grade.scored_at = now
    session.add(grade)
    session.flush()
    return grade


@contextmanager
def writing(ledger: Ledger) -> Iterator[Session]:
    """A session in one write transaction holding the ledger's writer lock (no chain call is owed)."""
    with write_transaction(ledger.engine, ledger.lock_name) as conn, Session(bind=conn) as session:
        yield session
        session.flush()


def findings_of(session: Session, org_id: str) -> list[Found]:
    """The organisation's findings that count: those after its latest accepted credit repair."""
    query = select(CreditFinding).where(CreditFinding.org_id == org_id)
    repaired = session.exec(
        select(func.max(CreditRepair.ledger_index)).where(
            CreditRepair.org_id == org_id, CreditRepair.status == "accepted"
        )
    ).first()
    if repaired is not None:
        query = query.where(col(CreditFinding.ledger_index) > repaired)
    rows = session.exec(query).all()
    return [Found(r.factor, r.matter, r.outcome, r.record_id, r.ledger_index, _aware(r.time)) for r in rows]


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _factors_json(scored: Scored) -> str:
    """The explanation kept with the grade: the base and each factor."""
    factors = [f.model_dump(mode="json") for f in scored.factors]
    return json.dumps({"base": scored.base, "factors": factors}, ensure_ascii=False)


def _earlier_org(session: Session, factor: Factor, matter: str) -> str | None:
    query = select(CreditFinding.org_id).where(
        CreditFinding.factor == factor.name, CreditFinding.matter == matter
    )
    return session.exec(query.limit(1)).first()


def _mark(session: Session, org_ids: Iterable[str], now: dt.datetime) -> None:
    for org_id in org_ids:
        if session.get(CreditMark, org_id) is None:
            session.add(CreditMark(org_id=org_id, marked_at=now))
    session.flush()


def _graded_or_found(session: Session) -> set[str]:
    found = set(session.exec(select(CreditFinding.org_id).distinct()).all())
    return found | set(session.exec(select(CreditGrade.org_id)).all())
