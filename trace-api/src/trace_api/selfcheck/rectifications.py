"""A failing item's rectification (整改), completed by its firm and reviewed remotely (远程审核)::

    open ──evidence──▶ submitted ──accept──▶ accepted (closed)
      ▲                    │
      └──────reject────────┘

The firm gives its evidence (documents it uploaded, by SHA-256) with a note; a regulator of the
firm's jurisdiction accepts or rejects it with an opinion. Each step is one ledger record; a step
out of order is a conflict (409) naming where the rectification stands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from evidence import Subject, write_transaction

from ..documents.service import holds_document
from ..errors import Conflict, Forbidden, NotFound, Unprocessable
from ..orgs.models import Organisation
from ..orgs.service import Member
from ..services import Services
from .facts import RectificationAccepted, RectificationRejected, RectificationSubmitted
from .inputs import RectificationIn, ReviewIn
from .models import Rectification, RectificationStatus
from .service import actor_of, check_regulator, is_regulator, record_fact


@dataclass(frozen=True)
class Stepped:
    rectification: Rectification
    record_id: str


def get_rectification(session: Session, member: Member, rectification_id: str) -> Rectification:
    """The rectification, for every regulator and its own firm."""
    found = session.get(Rectification, rectification_id)
    if found is None or not (is_regulator(member) or found.org_id == member.org.id):
        raise NotFound(f"no rectification {rectification_id} that {member.org.handle} may see")
    return found


def _subjects(rectification: Rectification, firm: Organisation) -> list[Subject]:
    return [
        Subject(type="selfcheck_rectification", id=rectification.id),
        Subject(type="selfcheck_submission", id=rectification.submission_id),
        Subject(type="org", id=firm.uscc),
    ]


def complete_rectification(
    services: Services, member: Member, rectification_id: str, data: RectificationIn, at: dt.datetime
) -> Stepped:
    """The firm reports the item rectified with its evidence: ``selfcheck.rectification_submitted``."""
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        found = get_rectification(session, member, rectification_id)
        if found.org_id != member.org.id or member.kind != "member":
            raise Forbidden(f"only {rectification_id}'s own firm, with a member's key, reports it rectified")
        if found.status != RectificationStatus.open.value:
            raise Conflict(f"rectification {rectification_id} is {found.status}: it awaits no evidence")
        for n, sha in enumerate(data.evidence):
            if not holds_document(session, member.org.id, sha):
                raise Unprocessable.field(
                    f"evidence[{n}]", f"no document {sha} that {member.org.handle} uploaded"
                )
        found.rounds += 1
        fact = RectificationSubmitted(
            rectification_id=found.id, submission_id=found.submission_id, campaign_id=found.campaign_id,
            org=member.org.uscc, item=found.item, round=found.rounds, note=data.note, evidence=data.evidence,
        )  # fmt: skip
        record_id = f"selfcheck:rectification:{found.id}:submitted:{found.rounds}"
        subjects = _subjects(found, member.org)
        record_fact(session, services.ledger, actor_of(member), record_id, subjects, fact, at)
        found.status = RectificationStatus.submitted.value
        return _saved(session, found, record_id)


def review_rectification(
    services: Services, member: Member, rectification_id: str, data: ReviewIn, at: dt.datetime
) -> Stepped:
    """A regulator of the jurisdiction accepts (closed) or rejects (open again) the evidence."""
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        found = get_rectification(session, member, rectification_id)
        check_regulator(member, found.jurisdiction, "reviews rectifications")
        if found.status != RectificationStatus.submitted.value:
            why = (
                "it is closed" if found.status == RectificationStatus.accepted.value else "awaiting evidence"
            )
            raise Conflict(f"rectification {rectification_id} is {found.status} ({why}): nothing to review")
        firm = session.get(Organisation, found.org_id)
        assert firm is not None  # a foreign key
        model = RectificationAccepted if data.decision == "accept" else RectificationRejected
        found.reviews += 1
        fact = model(
            rectification_id=found.id, submission_id=found.submission_id, campaign_id=found.campaign_id,
            org=firm.uscc, item=found.item, round=found.rounds, regulator=member.org.handle,
            opinion=data.opinion,
        )  # fmt: skip
        record_id = f"selfcheck:rectification:{found.id}:{data.decision}ed:{found.reviews}"
        record_fact(session, services.ledger, actor_of(member), record_id, _subjects(found, firm), fact, at)
        if data.decision == "accept":
            found.status, found.closed_at = RectificationStatus.accepted.value, at
        else:
            found.status = RectificationStatus.open.value
        return _saved(session, found, record_id)


def _saved(session: Session, found: Rectification, record_id: str) -> Stepped:
    session.add(found)
    session.flush()
    session.refresh(found)
    session.expunge(found)
    return Stepped(found, record_id)
