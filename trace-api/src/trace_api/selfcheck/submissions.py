"""A firm's self-inspection (企业自查): every item of the campaign's checklist answered once, photos
by SHA-256 of documents the firm uploaded (``/v1/documents``), one ``selfcheck.submitted`` record.
Each failing item opens a rectification (整改); the data-quality flags (:mod:`.supervision`) are
applied in the same transaction, so a submission and the tasks it raised commit together."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from evidence import Subject, rfc3339, write_transaction

from ..alerting import AlertSink
from ..documents.models import Document
from ..documents.service import holds_document
from ..errors import Conflict, Unprocessable
from ..orgs.service import Member
from ..services import Services
from .facts import AnswerFiled, SelfInspectionSubmitted
from .inputs import SubmissionIn
from .models import (
    Answer,
    Campaign,
    Checklist,
    InspectionTask,
    Rectification,
    RectificationStatus,
    Submission,
)
from .rules import SelfcheckRules
from .service import actor_of, check_firm, get_campaign, items_of, period_of, record_fact
from .supervision import flags_of, open_tasks

#: How far ahead of the server's clock a phone's clock may be.
CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Submitted:
    submission: Submission
    rectifications: list[Rectification]
    tasks: list[InspectionTask]


def _check_answers(session: Session, member: Member, checklist: Checklist, data: SubmissionIn) -> None:
    items = {item["code"]: item for item in items_of(checklist)}
    seen: set[str] = set()
    for n, answer in enumerate(data.answers):
        where = f"answers[{n}]"
        item = items.get(answer.item)
        if item is None:
            raise Unprocessable.field(f"{where}.item", f"{answer.item!r} is not an item of {checklist.id}")
        if answer.item in seen:
            raise Unprocessable.field(f"{where}.item", f"{answer.item!r} is answered twice")
        seen.add(answer.item)
        if answer.photo is None:
            if item["photo_required"]:
                raise Unprocessable.field(f"{where}.photo", f"item {answer.item!r} requires a photo")
            continue
        document = session.get(Document, answer.photo)
        if document is None or not holds_document(session, member.org.id, answer.photo):
            raise Unprocessable.field(
                f"{where}.photo", f"no document {answer.photo} that {member.org.handle} uploaded"
            )
        if not document.content_type.startswith("image/"):
            raise Unprocessable.field(
                f"{where}.photo", f"{answer.photo} is {document.content_type}, not a photo"
            )
    missing = [code for code in items if code not in seen]
    if missing:
        raise Unprocessable.field("answers", f"misses item(s) {', '.join(missing)} of {checklist.id}")


def _check_started(data: SubmissionIn, at: dt.datetime) -> None:
    if data.started_at > at + CLOCK_SKEW:
        raise Unprocessable.field("started_at", f"is in the future (now is {rfc3339(at)})")
    if data.started_at < at - dt.timedelta(days=1):
        raise Unprocessable.field("started_at", "is more than a day ago: open the checklist again")


def submit_selfcheck(
    services: Services,
    member: Member,
    campaign_id: str,
    data: SubmissionIn,
    at: dt.datetime,
    rules: SelfcheckRules,
) -> Submitted:
    """Records the submission, the rectifications of its failing items and the tasks its flags
    open, one transaction."""
    _check_started(data, at)
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        campaign = get_campaign(session, member, campaign_id)
        check_firm(member, campaign)
        period = period_of(campaign, at)
        taken = session.exec(
            select(Submission).where(
                Submission.campaign_id == campaign.id,
                Submission.org_id == member.org.id,
                Submission.period == period,
            )
        ).first()
        if taken is not None:
            raise Conflict(
                f"{member.org.handle} submitted campaign {campaign.id} for {period.isoformat()} already"
            )
        checklist = session.get(Checklist, campaign.checklist_id)
        assert checklist is not None  # a foreign key of the campaign
        _check_answers(session, member, checklist, data)
        done = _record(session, services, member, campaign, checklist, data, period, at)
        flags = flags_of(session, rules, done.submission, _answers_of(done.submission, data))
        tasks = open_tasks(
            session, AlertSink.of(services), actor_of(member), member.org, done.submission, flags
        )
        for row in (done.submission, *done.rectifications, *tasks):
            session.refresh(row)
            session.expunge(row)
    return Submitted(done.submission, done.rectifications, tasks)


def _answers_of(submission: Submission, data: SubmissionIn) -> list[Answer]:
    return [
        Answer(submission_id=submission.id, item=a.item, passed=a.passed, note=a.note, photo_sha256=a.photo)
        for a in data.answers
    ]


def _record(
    session: Session, services: Services, member: Member, campaign: Campaign, checklist: Checklist,
    data: SubmissionIn, period: dt.date, at: dt.datetime,
) -> Submitted:  # fmt: skip
    submission_id = uuid.uuid4().hex
    failed = [a.item for a in data.answers if not a.passed]
    rectifications = [
        Rectification(
            id=f"{submission_id}:{item}",
            submission_id=submission_id,
            campaign_id=campaign.id,
            org_id=member.org.id,
            jurisdiction=campaign.jurisdiction,
            item=item,
            status=RectificationStatus.open.value,
            opened_at=at,
        )
        for item in failed
    ]
    submission = Submission(
        id=submission_id, campaign_id=campaign.id, org_id=member.org.id, period=period,
        started_at=data.started_at, submitted_at=at, items=len(data.answers), failed=len(failed),
        record_id=f"selfcheck:submission:{submission_id}", ledger_index=0,
    )  # fmt: skip
    fact = SelfInspectionSubmitted(
        submission_id=submission_id, campaign_id=campaign.id, checklist_id=checklist.id,
        org=member.org.uscc, org_handle=member.org.handle, jurisdiction=campaign.jurisdiction,
        period=period, started_at=rfc3339(data.started_at), submitted_at=rfc3339(at),
        answers=[
            AnswerFiled(item=a.item, passed=a.passed, note=a.note, photo_sha256=a.photo) for a in data.answers
        ],
        failed_items=failed, rectifications=[r.id for r in rectifications],
    )  # fmt: skip
    subjects = [
        Subject(type="selfcheck_submission", id=submission_id),
        Subject(type="selfcheck_campaign", id=campaign.id),
        Subject(type="org", id=member.org.uscc),
        *(Subject(type="selfcheck_rectification", id=r.id) for r in rectifications),
    ]
    receipt = record_fact(
        session, services.ledger, actor_of(member), submission.record_id, subjects, fact, at
    )
    submission.ledger_index = receipt.index
    session.add(submission)
    session.flush()
    session.add_all(_answers_of(submission, data))
    session.add_all(rectifications)
    session.flush()
    return Submitted(submission, rectifications, [])


def describe_submitted(done: Submitted) -> dict[str, Any]:
    """What the firm is answered: its submission, the rectifications opened (not the tasks)."""
    data = done.submission.model_dump(mode="json", exclude={"org_id"})
    data["rectifications"] = [r.id for r in done.rectifications]
    return data
