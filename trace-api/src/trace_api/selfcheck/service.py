"""What the self-inspection writes share: the record of a fact, who may act, the campaign's day,
and the rows as callers see them. The moment of every write is passed in (``at``), so that the
API's clock (``app.state.selfcheck_clock``) and the tests that move it decide what day it is."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from evidence import Actor, Ledger, Receipt, Record, Subject, rfc3339

from ..errors import Conflict, Forbidden, NotFound
from ..facts import Fact
from ..orgs.models import Organisation, OrgStatus, OrgType
from ..orgs.service import Member
from ..paperwork.applicants import china_date, handle_of
from .models import (
    INDUSTRY_MEMBERS,
    Answer,
    Campaign,
    Checklist,
    Frequency,
    Industry,
    InspectionTask,
    Rectification,
    Submission,
)


def record_fact(
    session: Session, ledger: Ledger, actor: Actor, record_id: str, subjects: Sequence[Subject], fact: Fact,
    at: dt.datetime,
) -> Receipt:  # fmt: skip
    """Appends ``fact`` as one record at ``at``, in the session's write transaction."""
    record = Record(
        kind=fact.KIND, record_id=record_id, time=rfc3339(at), actor=actor, subjects=list(subjects),
        payload=fact.payload(),
    )  # fmt: skip
    return ledger.append(record, conn=session.connection())


def actor_of(member: Member) -> Actor:
    return Actor(org=member.org.uscc, key_id=member.key_id)


def check_regulator(member: Member, jurisdiction: str, what: str) -> None:
    """Only a regulator of ``jurisdiction``, with a member's key, acts on ``what``."""
    if member.org.org_type is not OrgType.regulator:
        raise Forbidden(f"only a market regulator {what}; {member.org.handle} is not one")
    if member.kind != "member":
        raise Forbidden(f"a device key may not act; use a member's API key ({what})")
    if member.org.jurisdiction != jurisdiction:
        raise Forbidden(f"{member.org.handle} supervises {member.org.jurisdiction!r}, not {jurisdiction!r}")


def check_firm(member: Member, campaign: Campaign) -> None:
    """Only a member of the campaign's industry in its jurisdiction answers it, with a member's key."""
    if member.kind != "member":
        raise Forbidden("a device key may not submit a self-inspection; use a member's API key")
    if member.org.org_type not in INDUSTRY_MEMBERS[Industry(campaign.industry)]:
        raise Forbidden(
            f"{member.org.handle} ({member.org.org_type.value}) is not of the {campaign.industry} industry "
            f"that campaign {campaign.id} asks"
        )
    if member.org.jurisdiction != campaign.jurisdiction:
        raise Forbidden(f"campaign {campaign.id} asks the firms of {campaign.jurisdiction!r}")


def is_regulator(member: Member) -> bool:
    return member.org.org_type is OrgType.regulator


def get_checklist(session: Session, checklist_id: str) -> Checklist:
    checklist = session.get(Checklist, checklist_id)
    if checklist is None:
        raise NotFound(f"no checklist {checklist_id}")
    return checklist


def get_campaign(session: Session, member: Member, campaign_id: str) -> Campaign:
    """The campaign, if the caller may see it: every regulator, and the firms it asks."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not (is_regulator(member) or asks(campaign, member.org)):
        raise NotFound(f"no self-inspection campaign {campaign_id} that {member.org.handle} may see")
    return campaign


def asks(campaign: Campaign, org: Organisation) -> bool:
    """Whether ``org`` is one of the firms the campaign asks."""
    members = INDUSTRY_MEMBERS[Industry(campaign.industry)]
    return org.org_type in members and org.jurisdiction == campaign.jurisdiction


def firms_asked(session: Session, campaign: Campaign) -> list[Organisation]:
    """The active firms of the campaign's industry in its jurisdiction, by handle."""
    types = [t.value for t in INDUSTRY_MEMBERS[Industry(campaign.industry)]]
    query = select(Organisation).where(
        col(Organisation.org_type).in_(types),
        Organisation.jurisdiction == campaign.jurisdiction,
        Organisation.status == OrgStatus.active,
    )
    return list(session.exec(query.order_by(col(Organisation.handle))))


def regulators_of(session: Session, jurisdiction: str) -> list[Organisation]:
    query = select(Organisation).where(
        Organisation.org_type == OrgType.regulator,
        Organisation.jurisdiction == jurisdiction,
        Organisation.status == OrgStatus.active,
    )
    return list(session.exec(query.order_by(col(Organisation.handle))))


def period_of(campaign: Campaign, at: dt.datetime) -> dt.date:
    """The day a submission at ``at`` answers; a conflict outside the campaign's period."""
    today = china_date(at)
    if today < campaign.starts_on:
        raise Conflict(f"campaign {campaign.id} starts on {campaign.starts_on.isoformat()}")
    if today > campaign.ends_on:
        raise Conflict(f"campaign {campaign.id} ended on {campaign.ends_on.isoformat()}")
    return today if campaign.frequency == Frequency.daily.value else campaign.starts_on


def due_periods(campaign: Campaign, start: dt.date, end: dt.date, today: dt.date) -> list[dt.date]:
    """The periods a firm owes in ``[start, end]``: each day of a daily campaign in it, or the one
    period of a campaign run once if the window overlaps the campaign; none after ``today``, which
    has not come yet."""
    first, last = max(start, campaign.starts_on), min(end, campaign.ends_on, today)
    if first > last:
        return []
    if campaign.frequency == Frequency.daily.value:
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return [campaign.starts_on]


def items_of(checklist: Checklist) -> list[dict[str, Any]]:
    return list(json.loads(checklist.items))


def describe_checklist(session: Session, checklist: Checklist) -> dict[str, Any]:
    data = checklist.model_dump(mode="json", exclude={"items", "published_by"})
    data.update(items=items_of(checklist), published_by=handle_of(session, checklist.published_by))
    return data


def describe_campaign(session: Session, campaign: Campaign) -> dict[str, Any]:
    data = campaign.model_dump(mode="json", exclude={"opened_by"})
    data["opened_by"] = handle_of(session, campaign.opened_by)
    return data


def describe_submission(session: Session, submission: Submission) -> dict[str, Any]:
    data = submission.model_dump(mode="json", exclude={"org_id"})
    data["org"] = handle_of(session, submission.org_id)
    answers = session.exec(select(Answer).where(Answer.submission_id == submission.id))
    data["answers"] = [
        {"item": a.item, "passed": a.passed, "note": a.note, "photo": a.photo_sha256}
        for a in sorted(answers, key=lambda a: a.item)
    ]
    return data


def describe_rectification(session: Session, rectification: Rectification) -> dict[str, Any]:
    data = rectification.model_dump(mode="json", exclude={"org_id"})
    data["org"] = handle_of(session, rectification.org_id)
    return data


def describe_task(session: Session, task: InspectionTask) -> dict[str, Any]:
    data = task.model_dump(mode="json", exclude={"org_id", "evidence"})
    data.update(org=handle_of(session, task.org_id), evidence=json.loads(task.evidence))
    return data
