"""Enterprise self-inspection's factor of the credit scorecard (``trace_api.credit``): a failing
item that stays unrectified, a period missed, and the doubts data supervision raises.

Each rectification a submission opens (``selfcheck.submitted``, its ``rectifications``) is a matter
against the firm, its outcome following its records: ``failing`` (open), ``rectifying`` (evidence
given, awaiting review), ``rejected`` (the review sent it back) and ``rectified`` (accepted). Each
data-quality flag (``selfcheck.inspection_task``) is a matter of its own, its outcome the flag's
reason (``photo_reused``, ``too_fast``, ``always_pass``).

Completion: each firm a ``selfcheck.period_closed`` record names as having missed the period
(its ``missed``) is a matter of its own (``<campaign>:<period>``), outcome ``missed``. A missed day
leaves nothing behind it; the record that closes the period (:mod:`.periods`) is what the grader
reads.
"""

from __future__ import annotations

from sqlmodel import Session

from evidence import Record

from ..credit.factors import Factor, Finding, org_by_uscc
from .facts import (
    InspectionTaskOpened,
    PeriodClosed,
    RectificationAccepted,
    RectificationRejected,
    RectificationSubmitted,
    SelfInspectionSubmitted,
)
from .models import FlagReason

_REVIEWED: dict[str, tuple[type[RectificationAccepted | RectificationRejected], str]] = {
    RectificationAccepted.KIND: (RectificationAccepted, "rectified"),
    RectificationRejected.KIND: (RectificationRejected, "rejected"),
}


def _selfcheck(session: Session, record: Record) -> list[Finding]:
    if record.kind == SelfInspectionSubmitted.KIND:
        submitted = SelfInspectionSubmitted.of(record)
        org = org_by_uscc(session, submitted.org)
        if org is None:
            return []
        return [Finding(org, rectification, "failing") for rectification in submitted.rectifications]
    if record.kind == RectificationSubmitted.KIND:
        given = RectificationSubmitted.of(record)
        return [Finding(org_by_uscc(session, given.org), given.rectification_id, "rectifying")]
    if record.kind in _REVIEWED:
        model, outcome = _REVIEWED[record.kind]
        reviewed = model.of(record)
        return [Finding(org_by_uscc(session, reviewed.org), reviewed.rectification_id, outcome)]
    if record.kind == PeriodClosed.KIND:
        closed = PeriodClosed.of(record)
        matter = f"{closed.campaign_id}:{closed.period.isoformat()}"
        found = (org_by_uscc(session, uscc) for uscc in closed.missed)
        return [Finding(org, matter, "missed") for org in found if org is not None]
    task = InspectionTaskOpened.of(record)
    org = org_by_uscc(session, task.org)
    return [] if org is None else [Finding(org, task.task_id, task.reason)]


SELFCHECK = Factor(
    "selfcheck",
    (
        SelfInspectionSubmitted.KIND,
        RectificationSubmitted.KIND,
        *_REVIEWED,
        InspectionTaskOpened.KIND,
        PeriodClosed.KIND,
    ),
    ("missed", "failing", "rectifying", "rejected", "rectified", *(reason.value for reason in FlagReason)),
    _selfcheck,
)

#: Read by the credit grader (``trace_api.credit.factors.FACTOR_MODULES``).
CREDIT_FACTORS: tuple[Factor, ...] = (SELFCHECK,)
