"""Data supervision of self-inspections (数据监管): the data-quality flags a submission raises as it
arrives, each opening an on-site inspection task (``selfcheck.inspection_task``) and an alert to
the jurisdiction's regulators; and completion rates (due against submitted) per firm and area.

The flags (:class:`.models.FlagReason`):

- ``photo_reused``: a photo whose SHA-256 an earlier submission carried, of any firm;
- ``too_fast``: completed (from ``started_at`` to its arrival) in less than
  ``seconds_per_item`` per item;
- ``always_pass``: the firm's last ``all_pass_run`` submissions each passed every item, and no
  earlier such flag covers any of them.

The alert is the regulators' (the lowest handle of the jurisdiction, told to the others), not the
firm's: an on-site inspection is not announced to the firm it checks. An inspector's inspection of
the firm that names the task does it (:func:`task_answered`, :func:`complete_task`): a
``selfcheck.inspection_task_done`` record, and the alert closed.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from evidence import Actor, Subject

from ..alerting import AlertOpening, AlertSink, close_alert, open_alerts
from ..coldchain.models import Alert
from ..errors import Conflict, Forbidden, Unprocessable
from ..orgs.models import Organisation
from .facts import InspectionTaskDone, InspectionTaskOpened
from .models import Answer, Campaign, FlagReason, InspectionTask, Submission
from .rules import SelfcheckRules
from .service import due_periods, firms_asked, record_fact, regulators_of

#: The alert rule a data-quality flag opens (``trace_api.coldchain.models.AlertRule``).
ALERT_RULE = "selfcheck_flag"


@dataclass(frozen=True)
class Flag:
    reason: FlagReason
    detail: str
    #: The record ids it rests on, the flagged submission's first.
    evidence: list[str]


def flags_of(
    session: Session, rules: SelfcheckRules, submission: Submission, answers: Sequence[Answer]
) -> list[Flag]:
    """The flags ``submission`` (written, with its answers, in this transaction) raises."""
    found = [
        _photo_reused(session, submission, answers),
        _too_fast(rules, submission),
        _always_pass(session, rules, submission),
    ]
    return [flag for flag in found if flag is not None]


def _photo_reused(session: Session, submission: Submission, answers: Sequence[Answer]) -> Flag | None:
    photos = sorted({a.photo_sha256 for a in answers if a.photo_sha256})
    if not photos:
        return None
    query = (
        select(Answer.photo_sha256, Submission.record_id)
        .join(Submission, col(Submission.id) == col(Answer.submission_id))
        .where(col(Answer.photo_sha256).in_(photos), Answer.submission_id != submission.id)
        .order_by(col(Submission.submitted_at))
    )
    earlier = list(session.exec(query))
    if not earlier:
        return None
    reused = sorted({sha for sha, _ in earlier if sha})
    records = list(dict.fromkeys(record_id for _, record_id in earlier))
    detail = f"{len(reused)} photo(s) carried by an earlier submission: " + ", ".join(s[:12] for s in reused)
    return Flag(FlagReason.photo_reused, detail, [submission.record_id, *records])


def _too_fast(rules: SelfcheckRules, submission: Submission) -> Flag | None:
    taken = (submission.submitted_at - submission.started_at).total_seconds()
    least = submission.items * rules.seconds_per_item
    if taken >= least:
        return None
    detail = f"{submission.items} items completed in {taken:.0f} s (at least {least:.0f} s expected)"
    return Flag(FlagReason.too_fast, detail, [submission.record_id])


def _always_pass(session: Session, rules: SelfcheckRules, submission: Submission) -> Flag | None:
    if submission.failed:
        return None
    latest = list(
        session.exec(
            select(Submission)
            .where(Submission.org_id == submission.org_id)
            .order_by(col(Submission.submitted_at).desc(), col(Submission.id).desc())
            .limit(rules.all_pass_run)
        )
    )
    if len(latest) < rules.all_pass_run or any(s.failed for s in latest):
        return None
    covered = session.exec(
        select(InspectionTask).where(
            InspectionTask.org_id == submission.org_id,
            InspectionTask.reason == FlagReason.always_pass.value,
            col(InspectionTask.created_at) >= latest[-1].submitted_at,
        )
    ).first()
    if covered is not None:
        return None
    detail = f"every item passed in each of the last {len(latest)} submissions"
    return Flag(FlagReason.always_pass, detail, [s.record_id for s in latest])


def open_tasks(
    session: Session,
    sink: AlertSink,
    actor: Actor,
    firm: Organisation,
    submission: Submission,
    flags: Sequence[Flag],
) -> list[InspectionTask]:
    """An inspection task per flag, each its record and an alert to the jurisdiction's regulators."""
    tasks = []
    regulators = regulators_of(session, firm.jurisdiction)
    for flag in flags:
        task = InspectionTask(
            id=uuid.uuid4().hex, org_id=firm.id, jurisdiction=firm.jurisdiction,
            submission_id=submission.id, reason=flag.reason.value, detail=flag.detail[:500],
            evidence=json.dumps(flag.evidence), created_at=submission.submitted_at,
            record_id=f"selfcheck:task:{submission.id}:{flag.reason.value}",
        )  # fmt: skip
        fact = InspectionTaskOpened(
            task_id=task.id, org=firm.uscc, org_handle=firm.handle, jurisdiction=firm.jurisdiction,
            submission_id=submission.id, campaign_id=submission.campaign_id, reason=task.reason,
            detail=task.detail, evidence=flag.evidence,
        )  # fmt: skip
        subjects = [
            Subject(type="selfcheck_task", id=task.id),
            Subject(type="selfcheck_submission", id=submission.id),
            Subject(type="org", id=firm.uscc),
        ]
        record_fact(session, sink.ledger, actor, task.record_id, subjects, fact, submission.submitted_at)
        if regulators:
            opening = AlertOpening(
                org=regulators[0], rule=ALERT_RULE, subject_type="selfcheck_task", subject_id=task.id,
                place=firm.name, detail=f"{flag.reason.value}: {flag.detail}", at=submission.submitted_at,
                audience=regulators[1:], subjects=subjects,
            )  # fmt: skip
            [task.alert_id] = open_alerts(session, sink, [opening])
        session.add(task)
        tasks.append(task)
    session.flush()
    return tasks


def task_answered(session: Session, task_id: str, jurisdiction: str, party: Organisation) -> InspectionTask:
    """The open task an inspection of ``party`` by a regulator of ``jurisdiction`` names (field ``task``)."""
    task = session.get(InspectionTask, task_id)
    if task is None:
        raise Unprocessable.field("task", f"no on-site inspection task {task_id}")
    if task.jurisdiction != jurisdiction:
        raise Forbidden(
            f"task {task_id} is of {task.jurisdiction!r}; this inspector supervises {jurisdiction!r}"
        )
    if task.org_id != party.id:
        raise Unprocessable.field("task", f"task {task_id} is not about {party.handle}")
    if task.inspection_id is not None:
        raise Conflict.field("task", f"task {task_id} was done by inspection {task.inspection_id}")
    return task


def complete_task(
    session: Session,
    sink: AlertSink,
    actor: Actor,
    task: InspectionTask,
    *,
    inspection_id: str,
    inspection_record_id: str,
    inspector_id: str,
    failed_items: int,
    at: dt.datetime,
) -> str:
    """Records the task done by the inspection (``selfcheck.inspection_task_done``) and closes its
    alert; the record's id."""
    firm = session.get(Organisation, task.org_id)
    assert firm is not None  # a foreign key of the task
    fact = InspectionTaskDone(
        task_id=task.id, org=firm.uscc, org_handle=firm.handle, jurisdiction=task.jurisdiction,
        reason=task.reason, inspection_id=inspection_id, inspection_record_id=inspection_record_id,
        inspector_id=inspector_id, failed_items=failed_items,
    )  # fmt: skip
    record_id = f"selfcheck:task:{task.id}:done"
    subjects = [
        Subject(type="selfcheck_task", id=task.id),
        Subject(type="inspection", id=inspection_id),
        Subject(type="org", id=firm.uscc),
    ]
    record_fact(session, sink.ledger, actor, record_id, subjects, fact, at)
    task.inspection_id, task.done_at, task.done_record_id = inspection_id, at, record_id
    session.add(task)
    alert = None if task.alert_id is None else session.get(Alert, task.alert_id)
    if alert is not None and alert.closed_at is None:
        audience = [r for r in regulators_of(session, task.jurisdiction) if r.id != alert.org_id]
        note = f"on-site inspection {inspection_id}: {failed_items} item(s) failed"
        close_alert(session, sink, alert, at=at, note=note, audience=audience, subjects=subjects)
    session.flush()
    return record_id


@dataclass(frozen=True)
class Completion:
    """Due periods against submitted ones, for one firm (or an area's sum)."""

    due: int
    submitted: int

    @property
    def rate(self) -> float | None:
        return None if self.due == 0 else round(self.submitted / self.due, 4)


def completion(
    session: Session, campaigns: Sequence[Campaign], start: dt.date, end: dt.date, today: dt.date
) -> dict[str, dict[str, Completion]]:
    """Per campaign, per firm asked (by handle): due periods in ``[start, end]`` up to ``today``
    and those submitted."""
    result: dict[str, dict[str, Completion]] = {}
    for campaign in campaigns:
        periods = due_periods(campaign, start, end, today)
        done: dict[str, int] = {}
        if periods:
            rows = session.exec(
                select(Submission.org_id).where(
                    Submission.campaign_id == campaign.id, col(Submission.period).in_(periods)
                )
            )
            for org_id in rows:
                done[org_id] = done.get(org_id, 0) + 1
        result[campaign.id] = {
            firm.handle: Completion(len(periods), done.get(firm.id, 0))
            for firm in firms_asked(session, campaign)
        }
    return result
