"""What callers read: campaigns, submissions, rectifications and inspection tasks as each caller
may see them (every regulator all of them; a firm the campaigns that ask it and its own
submissions and rectifications; inspection tasks only regulators), and the completion report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from ..errors import Forbidden, Unprocessable
from ..orgs.models import Organisation
from ..orgs.service import Member
from .models import Campaign, InspectionTask, Rectification, RectificationStatus, Submission
from .service import asks, describe_campaign, is_regulator
from .supervision import Completion, completion

#: The longest window a completion report covers.
MAX_REPORT_DAYS = 366


def list_campaigns(session: Session, member: Member, jurisdiction: str | None = None) -> list[Campaign]:
    """Newest first: every campaign for a regulator (of ``jurisdiction`` if given), those that ask
    the firm for anyone else."""
    query = select(Campaign)
    if jurisdiction:
        query = query.where(Campaign.jurisdiction == jurisdiction)
    found = list(session.exec(query.order_by(col(Campaign.opened_at).desc(), col(Campaign.id).desc())))
    return found if is_regulator(member) else [c for c in found if asks(c, member.org)]


def list_submissions(
    session: Session, member: Member, campaign: Campaign, limit: int = 200
) -> list[Submission]:
    query = select(Submission).where(Submission.campaign_id == campaign.id)
    if not is_regulator(member):
        query = query.where(Submission.org_id == member.org.id)
    order = (col(Submission.submitted_at).desc(), col(Submission.id).desc())
    return list(session.exec(query.order_by(*order).limit(limit)))


def list_rectifications(
    session: Session, member: Member, status: RectificationStatus | None = None, limit: int = 200
) -> list[Rectification]:
    query = select(Rectification)
    if not is_regulator(member):
        query = query.where(Rectification.org_id == member.org.id)
    if status is not None:
        query = query.where(Rectification.status == status.value)
    order = (col(Rectification.opened_at).desc(), col(Rectification.id))
    return list(session.exec(query.order_by(*order).limit(limit)))


def list_tasks(
    session: Session,
    member: Member,
    limit: int = 200,
    *,
    jurisdiction: str | None = None,
    done: bool | None = None,
) -> list[InspectionTask]:
    """Newest first, of ``jurisdiction`` if given, open (``done=False``) or done ones if asked.
    Regulators (and their inspectors) only."""
    if not is_regulator(member):
        raise Forbidden("only market regulators see on-site inspection tasks")
    query = select(InspectionTask)
    if jurisdiction is not None:
        query = query.where(InspectionTask.jurisdiction == jurisdiction)
    if done is not None:
        query = query.where(
            col(InspectionTask.inspection_id).is_not(None)
            if done
            else col(InspectionTask.inspection_id).is_(None)
        )
    order = (col(InspectionTask.created_at).desc(), col(InspectionTask.id))
    return list(session.exec(query.order_by(*order).limit(limit)))


def check_window(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise Unprocessable.field("end", "is before start")
    if (end - start).days >= MAX_REPORT_DAYS:
        raise Unprocessable.field("end", f"a report covers at most {MAX_REPORT_DAYS} days")


def _counts(done: Completion) -> dict[str, Any]:
    return {"due": done.due, "submitted": done.submitted, "rate": done.rate}


def completion_report(
    session: Session,
    member: Member,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    jurisdiction: str | None = None,
) -> dict[str, Any]:
    """Due against submitted in ``[start, end]`` (no day after ``today`` is due yet): per campaign,
    per firm in it, per firm over every campaign, and per area (jurisdiction). Regulators only."""
    if not is_regulator(member):
        raise Forbidden("only market regulators read completion across firms")
    check_window(start, end)
    campaigns = list_campaigns(session, member, jurisdiction)
    by_campaign = completion(session, campaigns, start, end, today)
    names = {o.handle: o.name for o in session.exec(select(Organisation))}
    firms: dict[str, list[int]] = {}
    areas: dict[str, list[int]] = {}
    rows = []
    for campaign in campaigns:
        per_firm = by_campaign[campaign.id]
        total = Completion(sum(c.due for c in per_firm.values()), sum(c.submitted for c in per_firm.values()))
        rows.append({
            **describe_campaign(session, campaign), **_counts(total),
            "firms": [{"org": h, "name": names.get(h, h), **_counts(c)} for h, c in per_firm.items()],
        })  # fmt: skip
        for handle, done in per_firm.items():
            firms.setdefault(handle, [0, 0])
            areas.setdefault(campaign.jurisdiction, [0, 0])
            for tally in (firms[handle], areas[campaign.jurisdiction]):
                tally[0] += done.due
                tally[1] += done.submitted
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "campaigns": rows,
        "firms": [
            {"org": h, "name": names.get(h, h), **_counts(Completion(*t))} for h, t in sorted(firms.items())
        ],
        "areas": [{"jurisdiction": j, **_counts(Completion(*t))} for j, t in sorted(areas.items())],
    }
