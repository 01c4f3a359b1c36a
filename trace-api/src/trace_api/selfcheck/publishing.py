"""The regulators' writes: a checklist version (自查要点表) and a campaign (日常/专项自查), each one
ledger record. Publishing a checklist code again makes its next version; a campaign names the
version it asks, which its jurisdiction's regulators published. Two campaigns of one checklist
and frequency never overlap (a firm would owe the same day twice); a daily and a one-off campaign
of the same checklist may."""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import Session, col, func, select

from evidence import Subject, write_transaction

from ..errors import Conflict, Unprocessable
from ..orgs.service import Member
from ..paperwork.applicants import china_date, next_number
from ..services import Services
from .facts import CampaignOpened, ChecklistItem, ChecklistPublished
from .inputs import CampaignIn, ChecklistIn
from .models import Campaign, Checklist
from .service import actor_of, check_regulator, record_fact


def publish_checklist(services: Services, member: Member, data: ChecklistIn, at: dt.datetime) -> Checklist:
    """Records the next version of the checklist ``data.code`` in the regulator's jurisdiction."""
    check_regulator(member, member.org.jurisdiction, "publishes checklists")
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        latest = session.exec(select(func.max(Checklist.version)).where(Checklist.code == data.code)).one()
        if latest is not None:
            first = session.exec(select(Checklist).where(Checklist.code == data.code)).first()
            if first is not None and first.industry != data.industry.value:
                raise Unprocessable.field(
                    "industry", f"checklist {data.code} is of the {first.industry} industry; use another code"
                )
        version = (latest or 0) + 1
        items = [item.model_dump() for item in data.items]
        checklist = Checklist(
            id=f"{data.code}@v{version}", code=data.code, version=version, industry=data.industry.value,
            title=data.title, items=json.dumps(items, ensure_ascii=False),
            jurisdiction=member.org.jurisdiction, published_by=member.org.id, published_at=at,
            record_id=f"selfcheck:checklist:{data.code}@v{version}",
        )  # fmt: skip
        fact = ChecklistPublished(
            checklist_id=checklist.id, code=data.code, version=version, industry=checklist.industry,
            title=data.title, jurisdiction=checklist.jurisdiction, regulator=member.org.handle,
            items=[ChecklistItem(**item) for item in items],
        )  # fmt: skip
        subjects = [
            Subject(type="selfcheck_checklist", id=checklist.id),
            Subject(type="org", id=member.org.uscc),
        ]
        record_fact(session, services.ledger, actor_of(member), checklist.record_id, subjects, fact, at)
        session.add(checklist)
        session.flush()
        session.refresh(checklist)
        session.expunge(checklist)
    return checklist


def open_campaign(services: Services, member: Member, data: CampaignIn, at: dt.datetime) -> Campaign:
    """Records a campaign of the regulator's jurisdiction, numbered ``ZC-<yyyymmdd>-<seq>``."""
    check_regulator(member, member.org.jurisdiction, "opens self-inspection campaigns")
    if data.ends_on < china_date(at):
        raise Unprocessable.field("ends_on", f"is in the past (today is {china_date(at).isoformat()})")
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        checklist = session.get(Checklist, data.checklist)
        if checklist is None:
            raise Unprocessable.field("checklist", f"no checklist {data.checklist!r} (<code>@v<version>)")
        if checklist.jurisdiction != member.org.jurisdiction:
            raise Unprocessable.field(
                "checklist", f"{checklist.id} is published for {checklist.jurisdiction!r}"
            )
        clash = session.exec(
            select(Campaign).where(
                Campaign.checklist_id == checklist.id,
                Campaign.jurisdiction == member.org.jurisdiction,
                Campaign.frequency == data.frequency.value,
                col(Campaign.starts_on) <= data.ends_on,
                col(Campaign.ends_on) >= data.starts_on,
            )
        ).first()
        if clash is not None:
            raise Conflict(
                f"campaign {clash.id} asks {checklist.id} {clash.frequency} over an overlapping period"
            )
        number = next_number(session, Campaign.id, f"ZC-{china_date(at):%Y%m%d}-", 3)
        campaign = Campaign(
            id=number, title=data.title, checklist_id=checklist.id, industry=checklist.industry,
            jurisdiction=member.org.jurisdiction, frequency=data.frequency.value, starts_on=data.starts_on,
            ends_on=data.ends_on, opened_by=member.org.id, opened_at=at,
            record_id=f"selfcheck:campaign:{number}",
        )  # fmt: skip
        fact = CampaignOpened(
            campaign_id=number, title=data.title, checklist_id=checklist.id, industry=checklist.industry,
            jurisdiction=campaign.jurisdiction, frequency=campaign.frequency, starts_on=data.starts_on,
            ends_on=data.ends_on, regulator=member.org.handle,
        )  # fmt: skip
        subjects = [
            Subject(type="selfcheck_campaign", id=number),
            Subject(type="selfcheck_checklist", id=checklist.id),
            Subject(type="org", id=member.org.uscc),
        ]
        record_fact(session, services.ledger, actor_of(member), campaign.record_id, subjects, fact, at)
        session.add(campaign)
        session.flush()
        session.refresh(campaign)
        session.expunge(campaign)
    return campaign
