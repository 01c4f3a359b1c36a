"""``/v1/selfcheck``: enterprise self-inspection (企业自查).

Regulators publish checklists (``/checklists``) and open campaigns (``/campaigns``) for their
jurisdiction; the firms a campaign asks submit their self-inspections (``/campaigns/{id}/
submissions``), photos first uploaded to ``/v1/documents`` and named by SHA-256; failing items
open rectifications (``/rectifications``) that the firm completes and a regulator reviews.
Regulators read completion (``/completion``) and the on-site inspection tasks data-quality flags
opened (``/inspection-tasks``).

The app's clock is ``app.state.selfcheck_clock`` (tests set it), its data-quality rules
``app.state.selfcheck_rules`` (else those of the environment).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import Session, col, select

from ..auth import CurrentMember
from ..context import get_services, get_session
from ..paperwork.applicants import china_date, ledger_history
from ..services import Services
from .inputs import CampaignIn, ChecklistIn, RectificationIn, ReviewIn, SubmissionIn
from .models import Checklist, RectificationStatus
from .publishing import open_campaign, publish_checklist
from .reads import completion_report, list_campaigns, list_rectifications, list_submissions, list_tasks
from .rectifications import complete_rectification, get_rectification, review_rectification
from .rules import SelfcheckRules
from .service import (
    describe_campaign,
    describe_checklist,
    describe_rectification,
    describe_submission,
    describe_task,
    get_campaign,
    get_checklist,
)
from .submissions import describe_submitted, submit_selfcheck

Clock = Callable[[], dt.datetime]
router = APIRouter(prefix="/v1/selfcheck", tags=["self-inspection"])

SessionDep = Annotated[Session, Depends(get_session)]
ServicesDep = Annotated[Services, Depends(get_services)]


def now_of(request: Request) -> dt.datetime:
    """The app's clock (``app.state.selfcheck_clock``), else the system's."""
    clock: Clock | None = getattr(request.app.state, "selfcheck_clock", None)
    return clock() if clock is not None else dt.datetime.now(dt.UTC)


def rules_of(request: Request) -> SelfcheckRules:
    rules: SelfcheckRules | None = getattr(request.app.state, "selfcheck_rules", None)
    if rules is None:
        rules = request.app.state.selfcheck_rules = SelfcheckRules()
    return rules


Now = Annotated[dt.datetime, Depends(now_of)]
Rules = Annotated[SelfcheckRules, Depends(rules_of)]


@router.post("/checklists", status_code=201)
def publish(
    data: ChecklistIn, member: CurrentMember, services: ServicesDep, session: SessionDep, now: Now
) -> dict[str, Any]:
    """A regulator publishes a checklist (自查要点表) for an industry: each item's text, legal basis and
    whether a photo must show it. The same ``code`` again is its next version. Recorded as
    ``selfcheck.checklist_published``."""
    return describe_checklist(session, publish_checklist(services, member, data, now))


@router.get("/checklists")
def checklists(member: CurrentMember, session: SessionDep) -> dict[str, Any]:
    """Every checklist version, by code and version."""
    found = session.exec(select(Checklist).order_by(col(Checklist.code), col(Checklist.version)))
    return {"checklists": [describe_checklist(session, c) for c in found]}


@router.get("/checklists/{checklist_id}")
def checklist(checklist_id: str, member: CurrentMember, session: SessionDep) -> dict[str, Any]:
    return describe_checklist(session, get_checklist(session, checklist_id))


@router.post("/campaigns", status_code=201)
def open_(
    data: CampaignIn, member: CurrentMember, services: ServicesDep, session: SessionDep, now: Now
) -> dict[str, Any]:
    """A regulator asks the firms of the checklist's industry in its jurisdiction to inspect
    themselves every day (``daily``) or once (``once``) from ``starts_on`` to ``ends_on`` (China
    Standard Time). Recorded as ``selfcheck.campaign_opened``."""
    return describe_campaign(session, open_campaign(services, member, data, now))


@router.get("/campaigns")
def campaigns(
    member: CurrentMember,
    session: SessionDep,
    jurisdiction: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """Newest first: every campaign for a regulator, those asking the caller for a firm."""
    found = list_campaigns(session, member, jurisdiction)
    return {"campaigns": [describe_campaign(session, c) for c in found]}


@router.get("/campaigns/{campaign_id}")
def campaign(campaign_id: str, member: CurrentMember, session: SessionDep) -> dict[str, Any]:
    """The campaign with its checklist and its submissions (a firm sees its own)."""
    found = get_campaign(session, member, campaign_id)
    return {
        **describe_campaign(session, found),
        "checklist": describe_checklist(session, get_checklist(session, found.checklist_id)),
        "submissions": [describe_submission(session, s) for s in list_submissions(session, member, found)],
    }


@router.post("/campaigns/{campaign_id}/submissions", status_code=201)
def submit(
    campaign_id: str, data: SubmissionIn, member: CurrentMember, services: ServicesDep, now: Now, rules: Rules
) -> dict[str, Any]:
    """A firm the campaign asks submits its self-inspection for today (daily) or for the campaign
    (once): every item answered, ``passed`` or not, with a photo (SHA-256 of an image it uploaded)
    where the item requires one, and ``started_at``, when it opened the checklist. Each failing
    item opens a rectification. Recorded as ``selfcheck.submitted`` (and, where data quality is in
    doubt, ``selfcheck.inspection_task``)."""
    return describe_submitted(submit_selfcheck(services, member, campaign_id, data, now, rules))


@router.get("/rectifications")
def rectifications(
    member: CurrentMember, session: SessionDep, status: RectificationStatus | None = None
) -> dict[str, Any]:
    """Newest first: every rectification for a regulator, a firm's own for a firm."""
    found = list_rectifications(session, member, status)
    return {"rectifications": [describe_rectification(session, r) for r in found]}


@router.get("/rectifications/{rectification_id}")
def rectification(
    rectification_id: str, member: CurrentMember, services: ServicesDep, session: SessionDep
) -> dict[str, Any]:
    """The rectification and its history from the ledger (the evidence, the reviews' opinions)."""
    found = get_rectification(session, member, rectification_id)
    history = ledger_history(services.ledger, session, "selfcheck_rectification", found.id)
    return {**describe_rectification(session, found), "history": history}


@router.post("/rectifications/{rectification_id}/evidence", status_code=201)
def evidence(
    rectification_id: str,
    data: RectificationIn,
    member: CurrentMember,
    services: ServicesDep,
    session: SessionDep,
    now: Now,
) -> dict[str, Any]:
    """The firm reports the item rectified: a note and its evidence (SHA-256 of documents it
    uploaded). Recorded as ``selfcheck.rectification_submitted``."""
    done = complete_rectification(services, member, rectification_id, data, now)
    return {**describe_rectification(session, done.rectification), "record_id": done.record_id}


@router.post("/rectifications/{rectification_id}/reviews", status_code=201)
def review(
    rectification_id: str,
    data: ReviewIn,
    member: CurrentMember,
    services: ServicesDep,
    session: SessionDep,
    now: Now,
) -> dict[str, Any]:
    """A regulator of the firm's jurisdiction accepts (closed) or rejects (open again) the
    evidence, with an opinion. Recorded as ``selfcheck.rectification_accepted`` or
    ``selfcheck.rectification_rejected``."""
    done = review_rectification(services, member, rectification_id, data, now)
    return {**describe_rectification(session, done.rectification), "record_id": done.record_id}


@router.get("/completion")
def completion(
    member: CurrentMember,
    session: SessionDep,
    now: Now,
    start: dt.date | None = None,
    end: dt.date | None = None,
    jurisdiction: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    """Completion (due against submitted) from ``start`` to ``end`` (China Standard Time dates;
    the last 30 days to today by default; no day after today is due yet), per campaign, firm and
    area. Regulators only."""
    today = china_date(now)
    last = end or today
    first = start or last - dt.timedelta(days=29)
    return completion_report(session, member, first, last, today, jurisdiction)


@router.get("/inspection-tasks")
def inspection_tasks(member: CurrentMember, session: SessionDep) -> dict[str, Any]:
    """The on-site inspection tasks data-quality flags opened, newest first. Regulators only."""
    return {"tasks": [describe_task(session, t) for t in list_tasks(session, member)]}
