"""A regulator's review of a restaurant's rectification (整改复核): accepted or rejected, once.

Accepting closes the incident. Rejecting reopens it: the restaurant must send another
rectification, which the regulators review in turn. Each review is one ``incident.reviewed``
ledger record naming the rectification's record; a second review of the same rectification is a
conflict (409), since the first is already evidence.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlmodel import Session, select

from evidence import Record, utc_datetime, write_transaction

from ..errors import Conflict, Forbidden, NotFound, Unprocessable
from ..facts import IncidentReviewed
from ..notices import OwedNotice
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..services import Services
from ..text import Text
from .models import Incident, Rectification, RectificationReview, ReviewDecision
from .service import IncidentView, get_incident, incident_record, incident_status, owe_incident_notice


class ReviewIn(BaseModel):
    decision: ReviewDecision
    note: Text = Field(
        default="",
        max_length=2000,
        description="what the regulator found; required to reject (the restaurant reads what to fix)",
    )


@dataclass(frozen=True)
class Reviewed:
    review: RectificationReview
    incident: Incident
    reviewer: str
    #: Owed with the record on the restaurant's alert topic (the regulators listen there too) and
    #: its webhooks; the notice sender delivers them after commit.
    notices: list[OwedNotice]


def review_rectification(
    services: Services, member: Member, incident_id: str, rectification_id: str, data: ReviewIn
) -> Reviewed:
    """Records a regulator's decision on a rectification in one transaction: the review row, the
    ``incident.reviewed`` record, the incident closed (accepted) or reopened (rejected), and the
    notices owed to the restaurant."""
    if member.org.org_type is not OrgType.regulator:
        raise Forbidden(f"only a regulator reviews rectifications; {member.org.handle} is not one")
    if member.kind != "member":
        raise Forbidden("a device key may not review rectifications; use a member's API key")
    note = data.note.strip()
    if data.decision is ReviewDecision.rejected and not note:
        raise Unprocessable.field("note", "is empty: a rejection says what the restaurant must still fix")
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        view = get_incident(session, member, incident_id)
        incident = view.incident
        rectification = session.get(Rectification, rectification_id)
        if rectification is None or rectification.incident_id != incident.id:
            raise NotFound(f"incident {incident_id} has no rectification {rectification_id}")
        _check_unreviewed(session, incident, rectification)
        review_id = uuid.uuid4().hex
        record = _review_record(member, view, rectification, review_id, data.decision, note)
        receipt = services.ledger.append(record, conn=session.connection())
        now = utc_datetime(record.time)
        review = RectificationReview(
            id=review_id, rectification_id=rectification.id, incident_id=incident.id,
            decision=data.decision.value, note=note, org_id=member.org.id, key_id=member.key_id,
            created_at=now, record_id=record.record_id, ledger_index=receipt.index,
        )  # fmt: skip
        if data.decision is ReviewDecision.accepted:
            incident.closed_at = now
        else:
            incident.rectified_at = None
        session.add(incident)
        session.add(review)
        restaurant = session.get(Organisation, incident.org_id)
        assert restaurant is not None  # foreign key
        message = {
            "record_id": record.record_id,
            "index": receipt.index,
            "status": incident_status(incident),
            **record.payload,
        }
        notices = owe_incident_notice(services, session, restaurant, record, message, now)
        session.flush()
        for row in (review, incident):
            session.refresh(row)
            session.expunge(row)
    return Reviewed(review, incident, member.org.handle, notices)


def _review_record(
    member: Member,
    view: IncidentView,
    rectification: Rectification,
    review_id: str,
    decision: ReviewDecision,
    note: str,
) -> Record:
    """The ``incident.reviewed`` record, named after the rectification's record (one review each)."""
    incident = view.incident
    return incident_record(
        member,
        view,
        f"{rectification.record_id}:reviewed",
        IncidentReviewed(
            review_id=review_id,
            incident_id=incident.id,
            rectification_id=rectification.id,
            rectification_record_id=rectification.record_id,
            rectification_ledger_index=rectification.ledger_index,
            camera=view.camera,
            organisation=view.organisation,
            violation=incident.violation,
            decision=decision.value,
            note=note,
        ),
    )


def _check_unreviewed(session: Session, incident: Incident, rectification: Rectification) -> None:
    earlier = session.exec(
        select(RectificationReview).where(RectificationReview.rectification_id == rectification.id)
    ).first()
    if earlier is not None:
        raise Conflict(
            f"rectification {rectification.id} was {earlier.decision} already, "
            f"at {earlier.created_at.isoformat()}"
        )
    if incident.rectified_at is None or incident.closed_at is not None:
        # Only the latest rectification can be unreviewed; this guards rows written by hand.
        raise Conflict(f"incident {incident.id} awaits no review ({incident_status(incident)})")
