"""Credit repair (信用修复): a firm applies with a statement and its evidence (documents it
uploaded through ``/v1/documents``); a regulator of its jurisdiction accepts or rejects it with an
opinion. Accepted, the findings up to the application no longer count, and the firm's grade is
given again at once, a ``credit.graded`` record naming the repair."""

from __future__ import annotations

import json
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from evidence import Actor, Ledger, Record, Subject, utc_datetime, utc_now

from ..documents.models import DocumentHolder
from ..errors import Conflict, Forbidden, NotFound, Unprocessable
from ..facts import Fact
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..paperwork.applicants import check_regulator_of
from .facts import CreditRepairApplied, CreditRepairReviewed
from .grading import findings_of, record_grade, writing
from .models import CreditGrade, CreditRepair
from .scorecard import Scorecard
from .scoring import score_findings


class RepairIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statement: str = Field(min_length=10, max_length=2000, description="What was put right, and how")
    evidence: list[str] = Field(min_length=1, max_length=20, description="SHA-256 of documents it uploaded")


class RepairReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["accept", "reject"]
    opinion: str = Field(min_length=2, max_length=2000)


def _record(member: Member, org: Organisation, repair_id: str, record_id: str, fact: Fact) -> Record:
    return Record(
        kind=fact.KIND,
        record_id=record_id,
        time=utc_now(),
        actor=Actor(org=member.org.uscc, key_id=member.key_id),
        subjects=[Subject(type="credit_repair", id=repair_id), Subject(type="org", id=org.uscc)],
        payload=fact.payload(),
    )


def apply_repair(ledger: Ledger, member: Member, data: RepairIn) -> CreditRepair:
    """The firm's application; one pending at a time, and only with a grade below A (409)."""
    org = member.org
    if org.org_type is OrgType.regulator or member.kind != "member":
        raise Forbidden("a firm applies to repair its own credit, with a member's API key")
    with writing(ledger) as session:
        grade = session.get(CreditGrade, org.id)
        if grade is None or grade.grade == "A":
            raise Conflict(
                f"{org.handle} has {'no grade' if grade is None else 'grade A'}: nothing to repair"
            )
        pending = select(CreditRepair).where(CreditRepair.org_id == org.id, CreditRepair.status == "pending")
        if session.exec(pending).first() is not None:
            raise Conflict(f"{org.handle} has a credit repair awaiting review already")
        _check_evidence(session, org, data.evidence)
        repair_id = uuid.uuid4().hex
        fact = CreditRepairApplied(
            repair_id=repair_id, org=org.handle, uscc=org.uscc, grade=grade.grade,
            statement=data.statement, evidence=data.evidence,
        )  # fmt: skip
        record = _record(member, org, repair_id, f"credit-repair:{repair_id}", fact)
        receipt = ledger.append(record, conn=session.connection())
        repair = CreditRepair(
            id=repair_id, org_id=org.id, statement=data.statement, evidence=json.dumps(data.evidence),
            status="pending", record_id=record.record_id, ledger_index=receipt.index,
            applied_at=utc_datetime(record.time),
        )  # fmt: skip
        session.add(repair)
        session.flush()
        session.expunge(repair)
    return repair


def _check_evidence(session: Session, org: Organisation, evidence: list[str]) -> None:
    held = set(
        session.exec(
            select(DocumentHolder.sha256).where(
                DocumentHolder.org_id == org.id, col(DocumentHolder.sha256).in_(evidence)
            )
        ).all()
    )
    for i, digest in enumerate(evidence):
        if digest not in held:
            raise Unprocessable.field(f"evidence.{i}", f"{digest} is no document {org.handle} uploaded")


def review_repair(
    ledger: Ledger, scorecard: Scorecard, member: Member, repair_id: str, data: RepairReviewIn
) -> tuple[CreditRepair, CreditGrade | None]:
    """A regulator's decision; accepted, the firm is regraded at once. Only a pending repair (409)."""
    with writing(ledger) as session:
        repair = session.get(CreditRepair, repair_id)
        org = None if repair is None else session.get(Organisation, repair.org_id)
        if repair is None or org is None:
            raise NotFound(f"no credit repair {repair_id}")
        check_regulator_of(member, org.jurisdiction, f"the credit repair of {org.handle}")
        if repair.status != "pending":
            raise Conflict(f"credit repair {repair_id} is {repair.status} already")
        accepted = data.decision == "accept"
        fact = CreditRepairReviewed(
            repair_id=repair_id, org=org.handle, uscc=org.uscc, regulator=member.org.handle,
            decision="accepted" if accepted else "rejected", opinion=data.opinion,
            repaired_through=repair.ledger_index if accepted else None,
        )  # fmt: skip
        record = _record(member, org, repair_id, f"credit-repair:{repair_id}:review", fact)
        ledger.append(record, conn=session.connection())
        now = utc_datetime(record.time)
        repair.status, repair.opinion, repair.reviewed_by = fact.decision, data.opinion, member.org.id
        repair.review_record_id, repair.reviewed_at = record.record_id, now
        session.add(repair)
        session.flush()
        grade = None
        if accepted:
            scored = score_findings(scorecard, findings_of(session, org.id), now)
            grade = record_grade(
                ledger, session, org, scored, now, session.get(CreditGrade, org.id), repair_id
            )
            session.expunge(grade)
        session.expunge(repair)
    return repair, grade


def describe_repair(session: Session, repair: CreditRepair) -> dict[str, Any]:
    org = session.get(Organisation, repair.org_id)
    data = repair.model_dump(mode="json", exclude={"org_id", "evidence", "reviewed_by"})
    data["org"] = org.handle if org else None
    data["evidence"] = json.loads(repair.evidence)
    reviewer = session.get(Organisation, repair.reviewed_by) if repair.reviewed_by else None
    data["reviewed_by"] = reviewer.handle if reviewer else None
    return data


def list_repairs(session: Session, member: Member, status: str | None = None) -> list[CreditRepair]:
    """A regulator's: its jurisdiction's; a firm's: its own."""
    query = select(CreditRepair).join(Organisation, col(Organisation.id) == col(CreditRepair.org_id))
    if member.org.org_type is OrgType.regulator:
        query = query.where(Organisation.jurisdiction == member.org.jurisdiction)
    else:
        query = query.where(CreditRepair.org_id == member.org.id)
    if status is not None:
        query = query.where(CreditRepair.status == status)
    return list(session.exec(query.order_by(col(CreditRepair.applied_at).desc())).all())
